"""Pages: the post-incident report (HTML and PDF), the statistics page and the auditors' CSV exports.
Thin: reads via ``selectors`` / ``statistics``, writes via ``services``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import errors as refusals
from core.pages import form_page, run_for_page
from incidents import selectors as incident_selectors
from incidents.models import Incident

from . import charts, exports, pages, selectors, services
from . import statistics as stats
from .labels import label
from .rendering import report_pdf_of


def _language(request: HttpRequest) -> str:
    return "en" if request.GET.get("lang") == "en" else translation.get_language() or "zh-hans"


def _incident_or_404(request: HttpRequest, incident_id: int) -> Incident:
    incident = selectors.incident_for_report(user=request.user, incident_id=incident_id)
    if incident is None:
        raise Http404(refusals.not_found_message())
    return incident


@login_required
def report_page(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident_or_404(request, incident_id)
    with translation.override(_language(request)):
        return render(request, "reports/report.html", pages.report(user=request.user, incident=incident))


@login_required
def report_pdf(request: HttpRequest, incident_id: int) -> HttpResponse:
    """The PDF for filing. A closed case prints the frozen report stored at ``close``."""
    incident = _incident_or_404(request, incident_id)
    pdf, digest = report_pdf_of(incident=incident, language=_language(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="incident-{incident.pk}-report.pdf"'
    response["X-Report-SHA256"] = digest
    return response


MULTI_VALUE_FIELDS = ("participants",)


@login_required
def investigation_page(request: HttpRequest, incident_id: int) -> HttpResponse:
    """The investigation form on its own page (issue 12): reached from the investigator's incident page,
    the approval inbox and the notification that named them."""
    incident = _incident_or_404(request, incident_id)
    return render(
        request, "reports/investigation.html", pages.investigation(user=request.user, incident=incident)
    )


@login_required
@require_POST
def investigation_submit(request: HttpRequest, incident_id: int, part: str) -> HttpResponse:
    """The investigation page's forms: investigation fields, a responsible person, a corrective action, the
    drill record. A refusal shows the page again with what was typed and the errors beside the fields."""
    incident = _incident_or_404(request, incident_id)
    data: dict[str, Any] = {
        key: request.POST.getlist(key) if key in MULTI_VALUE_FIELDS else value
        for key, value in request.POST.items()
        if key != "csrfmiddlewaretoken"
    }
    write = {
        "investigation": services.investigation_update,
        "responsible": services.responsible_person_add,
        "action": services.corrective_action_add,
        "drill": services.drill_record_save,
    }.get(part)
    if write is None:
        raise Http404
    if part == "investigation":
        for name in ("concealed_report", "false_report", "police_referral"):
            data.setdefault(name, False)
    name, form_class = pages.BOUND_FORMS[part]
    form = form_class(data)

    def page(
        status: int,
    ) -> HttpResponse:  # the page again, with what was typed and the errors beside the fields
        context = pages.investigation(user=request.user, incident=incident, bound={name: form})
        return render(request, "reports/investigation.html", context, status=status)

    return form_page(
        request,
        lambda: write(incident_id=incident.pk, user=request.user, data=data),
        _("已保存。"),
        form=form,
        done=reverse("reports:investigation", args=[incident.pk]),
        page=page,
    )


@login_required
@require_POST
def action_progress(request: HttpRequest, action_id: int) -> HttpResponse:
    """Follow a corrective action to closure from the report page (status, evidence, re-test)."""
    incident_id = selectors.incident_id_of_action(action_id=action_id)
    if (
        incident_id is None
        or selectors.incident_for_report(user=request.user, incident_id=incident_id) is None
    ):
        raise Http404
    data = {key: value for key, value in request.POST.items() if key != "csrfmiddlewaretoken" and value != ""}
    run_for_page(
        request,
        lambda: services.corrective_action_update(action_id=action_id, user=request.user, data=data),
        _("已保存。"),
    )
    return redirect("reports:investigation", incident_id=incident_id)


def _require_reader(request: HttpRequest) -> None:
    if not selectors.may_read_reports(user=request.user):
        raise PermissionDenied(_("只有应急组织成员和审计人员可以查看统计与报告。"))


@login_required
def statistics_page(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    figures = stats.statistics()
    response_rows = [
        (label("measure", row["measure"]), row["median"], row["worst"]) for row in figures["response_times"]
    ]
    chart_images = {
        "category": charts.bar_chart(
            title=_("按事件类别"),
            rows=[(label("category", r["key"]), r["n"]) for r in figures["by_category"]],
        ),
        "plan": charts.bar_chart(
            title=_("按应急预案"), rows=[(label("plan", r["key"]), r["n"]) for r in figures["by_plan"]]
        ),
        "grade": charts.bar_chart(
            title=_("按事件分级"), rows=[(label("grade", r["key"]), r["n"]) for r in figures["by_grade"]]
        ),
        "month": charts.column_chart(
            title=_("按月（近12个月）"), rows=[(r["key"][2:], r["n"]) for r in figures["by_month"]]
        ),
        "times": charts.paired_bar_chart(
            title=_("响应用时（分钟）"), rows=response_rows, legend=(_("中位数"), _("最长")), unit=_("分钟")
        ),
    }
    return render(
        request,
        "reports/statistics.html",
        {"figures": figures, "charts": chart_images, "today": timezone.localdate()},
    )


EXPORTS = {
    "incidents": exports.incidents_csv,
    "timelines": exports.timelines_csv,
    "actions": exports.actions_csv,
}


@login_required
def export_csv(request: HttpRequest, kind: str) -> StreamingHttpResponse:
    _require_reader(request)
    build = EXPORTS.get(kind)
    if build is None:
        raise Http404
    incidents = incident_selectors.incidents_visible_to(user=request.user)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(build(incidents), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{stamp}.csv"'
    return response
