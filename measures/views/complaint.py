"""Pages of the major-complaint plan's measures (Art. 14-bis): media, reputation, dispute plan, legal
referral, complaints one by one, remedies, clocks and the clarification statement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.pages import dress, form_page, run_for_page
from incidents import policies
from incidents.models import State
from security import masking
from security import services as security_services
from security.forms import RevealForm
from security.models import ReadRecord
from teams import selectors as team_selectors

from .. import selectors, services
from ..forms import (
    CaseCloseForm,
    CloseWaiverForm,
    ComplaintCaseForm,
    DecisionForm,
    DisputePlanDoneForm,
    DisputePlanForm,
    EscalationForm,
    ExtensionRequestForm,
    LegalReferralForm,
    MediaReportForm,
    RemedyForm,
    ReputationAssessmentForm,
    StatementDraftForm,
    StatementPublishForm,
    StatementVetForm,
)
from ..services import statement as statement_policies
from ._common import _incident, _may_write

# --- major-complaint plan (Art. 14-bis) --------------------------------------------------------------

COMPLAINT_WRITES: dict[str, tuple[type[forms.BaseForm], Callable[..., Any], Any]] = {
    "media": (MediaReportForm, services.media_report_log, _("媒体报道已登记。")),
    "assessment": (ReputationAssessmentForm, services.reputation_assess, _("声誉损害评估已登记。")),
    "dispute_plan": (DisputePlanForm, services.dispute_plan_propose, _("纠纷解决方案已提交领导小组审批。")),
    "legal": (LegalReferralForm, services.legal_referral_record, _("已移交法律事务管理部门。")),
    "case": (ComplaintCaseForm, services.complaint_case_assign, _("已指定投诉处理人。")),
    "remedy": (RemedyForm, services.remedy_record, _("补救措施已登记。")),
    "statement": (StatementDraftForm, services.statement_draft, _("澄清声明已提交总行办公室审核。")),
    "waiver": (CloseWaiverForm, services.complaint_close_waive, _("已登记带未办结投诉结案的理由。")),
}


def _complaint_forms(data: Any = None, kind: str | None = None) -> dict[str, forms.BaseForm]:
    return {
        name: dress(form_class(data if name == kind else None, prefix=name))
        for name, (form_class, _service, _message) in COMPLAINT_WRITES.items()
    }


@login_required
def complaint(request: HttpRequest, incident_id: int, kind: str | None = None) -> HttpResponse:
    if request.method != "POST":
        return _complaint_page(request, incident_id)
    _incident(request, incident_id)
    if kind not in COMPLAINT_WRITES:
        raise Http404(_("没有这个操作。"))
    _form_class, service, message = COMPLAINT_WRITES[kind]
    prefix = f"{kind}-"
    data = {key.removeprefix(prefix): request.POST.get(key) for key in request.POST if key.startswith(prefix)}
    page_forms = _complaint_forms(request.POST, kind)
    return form_page(
        request,
        lambda: service(incident_id=incident_id, user=request.user, data=data),
        message,
        form=page_forms[kind],
        done=reverse("measures:complaint", args=[incident_id]) + f"#{kind}",
        page=lambda status: _complaint_page(request, incident_id, page_forms=page_forms, status=status),
    )


def _complaint_page(
    request: HttpRequest,
    incident_id: int,
    *,
    page_forms: dict[str, forms.BaseForm] | None = None,
    vet_form: StatementVetForm | None = None,
    publish_form: StatementPublishForm | None = None,
    failed_statement: int | None = None,
    status: int = 200,
) -> HttpResponse:
    incident = _incident(request, incident_id)
    page_forms = page_forms or _complaint_forms()
    records = selectors.complaint_records(incident=incident)
    shown = masking.revealed(request)
    for name in ("cases", "remedies"):  # complainants' personal data: masked unless revealed (issue 16)
        masking.mask_instances(records[name], revealed=shown)
    actor = team_selectors.actor_for(request.user)
    for measure in (*records["dispute_plans"], *records["statements"], *records["cases"]):
        # issue 13: who owns it, and whether this user may complete it (the one rule)
        measure.owner_label = policies.measure_owner_label(measure)
        measure.may_complete = incident.state in services.COMPLAINT_STATES and policies.may_complete_measure(
            incident, measure, request.user
        )
    return render(
        request,
        "measures/complaint.html",
        {
            "incident": incident,
            "forms": page_forms,
            "decision_form": DecisionForm(),
            "escalation_form": EscalationForm(),
            "case_close_form": dress(CaseCloseForm()),
            "case_extension_form": dress(ExtensionRequestForm()),
            "plan_done_form": dress(DisputePlanDoneForm()),
            "open_cases": sum(1 for case in records["cases"] if case.is_open),
            "close_pending": incident.state in (State.TERMINATED, State.INVESTIGATING),
            "may_write": _may_write(request, incident, services.COMPLAINT_STATES),
            "may_decide": actor.is_leadership_decider
            and _may_write(request, incident, services.COMPLAINT_STATES),
            "may_draft_statement": incident.state in services.COMPLAINT_STATES
            and statement_policies.may_draft(incident, request.user),
            "vet_form": dress(vet_form or StatementVetForm()),
            "publish_form": dress(publish_form or StatementPublishForm()),
            "failed_statement": failed_statement,
            "vet_blank": dress(StatementVetForm()),
            "publish_blank": dress(StatementPublishForm()),
            "now": timezone.now(),
            "may_reveal": policies.may_reveal_personal_data(incident, request.user),
            "reveal_url": reverse("measures:complaint_reveal", args=[incident.pk]),
            **records,
        },
        status=status,
    )


@login_required
@require_POST
def dispute_plan_decide(request: HttpRequest, incident_id: int, plan_id: int) -> HttpResponse:
    run_for_page(
        request,
        lambda: services.dispute_plan_decide(plan_id=plan_id, user=request.user, data=request.POST.dict()),
        _("已审批纠纷解决方案。"),
    )
    return redirect(reverse("measures:complaint", args=[incident_id]) + "#dispute_plan")


@login_required
@require_POST
def complaint_case_escalate(request: HttpRequest, incident_id: int, case_id: int) -> HttpResponse:
    run_for_page(
        request,
        lambda: services.complaint_case_escalate(
            case_id=case_id, user=request.user, data=request.POST.dict()
        ),
        _("已上报总行服务管理部门。"),
    )
    return redirect(reverse("measures:complaint", args=[incident_id]) + "#case")


CASE_ACTIONS: dict[str, tuple[Callable[..., Any], Any]] = {
    "close": (services.complaint_case_close, _("投诉已办结，计时已停止。")),
    "extension": (services.complaint_case_extension_request, _("延期申请已提交领导小组审批。")),
    "extension_decide": (services.complaint_case_extension_decide, _("已审批延期申请。")),
}


@login_required
@require_POST
def complaint_case_act(request: HttpRequest, incident_id: int, case_id: int, action: str) -> HttpResponse:
    """Close one complaint or ask for an extension (its owner), decide the extension (the Leadership
    Group) — issue 13."""
    if action not in CASE_ACTIONS:
        raise Http404(_("没有这个操作。"))
    service, message = CASE_ACTIONS[action]
    run_for_page(
        request, lambda: service(case_id=case_id, user=request.user, data=request.POST.dict()), message
    )
    return redirect(reverse("measures:complaint", args=[incident_id]) + "#case")


@login_required
@require_POST
def dispute_plan_done(request: HttpRequest, incident_id: int, plan_id: int) -> HttpResponse:
    """Issue 13: the approved plan carried out, with its evidence (its owner, the lead, the Leadership
    Group)."""
    run_for_page(
        request,
        lambda: services.dispute_plan_complete(plan_id=plan_id, user=request.user, data=request.POST.dict()),
        _("纠纷解决方案已登记实施完成，计时已停止。"),
    )
    return redirect(reverse("measures:complaint", args=[incident_id]) + "#dispute_plan")


def _statement_step(request: HttpRequest, incident_id: int, statement_id: int, step: str) -> HttpResponse:
    """Vet or publish one statement; refused, the complaint page comes back with the errors beside the
    step's fields, at the statement."""
    form_class, service, message = {
        "vet": (StatementVetForm, services.statement_vet, _("审核结论已记录。")),
        "publish": (StatementPublishForm, services.statement_publish, _("澄清声明已发布。")),
    }[step]
    form = form_class(request.POST)
    forms_kw = {"vet_form": form} if step == "vet" else {"publish_form": form}
    return form_page(
        request,
        lambda: service(statement_id=statement_id, user=request.user, data=request.POST.dict()),
        message,
        form=form,
        done=reverse("measures:complaint", args=[incident_id]) + "#statement",
        page=lambda status: _complaint_page(
            request,
            incident_id,
            failed_statement=statement_id,
            status=status,
            **forms_kw,  # type: ignore[arg-type]
        ),
    )


@login_required
@require_POST
def statement_vet(request: HttpRequest, incident_id: int, statement_id: int) -> HttpResponse:
    return _statement_step(request, incident_id, statement_id, "vet")


@login_required
@require_POST
def statement_publish(request: HttpRequest, incident_id: int, statement_id: int) -> HttpResponse:
    return _statement_step(request, incident_id, statement_id, "publish")


@login_required
@require_POST
def complaint_reveal(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Reveal one complaint record's personal data, with a reason written to the read log; shown once."""
    incident = _incident(request, incident_id)
    if not policies.may_reveal_personal_data(incident, request.user):
        raise PermissionDenied(_("只有投诉工作小组、领导小组和本事件的调查人员可以查看客户个人信息。"))
    form = RevealForm(request.POST)
    back = reverse("measures:complaint", args=[incident_id])
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return redirect(back)
    key = form.cleaned_data["record"]
    label, pk = key.split(":")
    if (
        label not in masking.PERSONAL_DATA
        or not apps.get_model(label).objects.filter(pk=pk, incident=incident).exists()
    ):
        raise Http404(_("没有这条记录。"))
    security_services.read_record(
        request=request,
        user=request.user,
        kind=ReadRecord.Kind.REVEAL,
        incident_id=incident.pk,
        target=key,
        reason=form.cleaned_data["reason"],
    )
    masking.reveal_once(request, key)
    return redirect(f"{back}#{key}")
