"""The pages (Django templates + htmx). Views are thin: what a page shows comes from one function of
``pages`` (reads through ``selectors``), every write goes through ``services`` — the same functions the API
and the tasks call — run by ``core.pages.run_for_page``, which puts the refusal on the page: 400 field
errors on the form, 403 a refusal, 409 "someone acted first"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from core import errors as refusals
from core.errors import Conflict
from core.pages import PageOutcome, dress, form_page, run_for_page
from security import second_factor

from . import pages, policies, presentation, regulator, search, selectors, services
from .forms import TRANSITION_FORMS, DeclareForm, IncidentSearchForm, KindForm, RegulatorDecisionForm
from .models import Incident
from .pages import transition_form

__all__ = ["transition_form"]


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _incident_or_404(request: HttpRequest, incident_id: int) -> Incident:
    incident = selectors.incident_detail(user=request.user, incident_id=incident_id)
    if incident is None:
        raise Http404(refusals.not_found_message())
    return incident


# --- the live board --------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The supervisor's home: the live board of open incidents by state, and the emergency organisation."""
    return render(request, "incidents/board.html", pages.home(user=request.user))


@login_required
def board_partial(request: HttpRequest) -> HttpResponse:
    """The board's body, polled by htmx so the board stays live without a reload."""
    return render(request, "incidents/partials/_board.html", pages.board(user=request.user))


# --- finding incidents (issue 12) -----------------------------------------------------------------------


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    """Every incident the user may read, open or finished: filters, search, sort, pages."""
    form = IncidentSearchForm(request.GET or None)
    page = search.incident_page(user=request.user, filters=form.filters())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "incidents/list.html",
        {
            "form": form,
            "page": page,
            "rows_html": pages.list_rows_html(page.incidents),
            "filters_html": pages.list_filters_html(request.GET),
            "query": query.urlencode(),
            "count_limit": search.COUNT_LIMIT,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --- declaring -------------------------------------------------------------------------------------------


@login_required
def declare(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = DeclareForm(initial={"detected_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
        return _declare_page(request, form)
    form = DeclareForm(request.POST)
    return form_page(
        request,
        lambda: services.incident_declare(
            user=request.user, data=request.POST.dict() | {"is_drill": "is_drill" in request.POST}
        ),
        lambda incident: _("事件已登记：%(title)s") % {"title": incident.title},
        form=form,
        done=lambda incident: reverse("incident", args=[incident.pk]),
        page=lambda status: _declare_page(request, form, status),
        refused=lambda outcome: _declare_page(request, form, 400),  # a refusal keeps the page, as typed
    )


def _declare_page(request: HttpRequest, form: DeclareForm, status: int = 200) -> HttpResponse:
    may = policies.may_declare(request.user)
    return render(request, "incidents/declare.html", {"form": dress(form), "may_declare": may}, status=status)


# --- the incident page -----------------------------------------------------------------------------------


@login_required
def incident_page(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident_or_404(request, incident_id)
    return render(request, "incidents/incident.html", pages.incident(user=request.user, incident=incident))


def _transition_data(request: HttpRequest, form: forms.BaseForm) -> dict[str, Any]:
    data: dict[str, Any] = {key: request.POST.get(key) for key in request.POST}
    for key in request.POST:
        if isinstance(form.fields.get(key), forms.ModelMultipleChoiceField):
            data[key] = request.POST.getlist(key)
    return data


def _moved(name: str) -> Any:
    return lambda moved: (
        _("已%(action)s，当前状态：%(state)s")
        % {
            "action": presentation.TRANSITION_LABELS[name],
            "state": moved.get_state_display(),
        }
    )


@login_required
def transition(request: HttpRequest, incident_id: int, name: str) -> HttpResponse:
    """GET: the transition's form (the shared form of ``incidents.forms``). POST: the one service."""
    if name not in TRANSITION_FORMS:
        raise Http404(_("没有这个操作。"))
    incident = _incident_or_404(request, incident_id)
    back = safe_next(request, reverse("incident", args=[incident_id]))

    def page(form: forms.BaseForm, status: int = 200) -> HttpResponse:
        context = pages.transition(user=request.user, incident=incident, name=name, form=form, back=back)
        return render(request, "incidents/transition.html", context, status=status)

    if request.method != "POST":
        return page(transition_form(name, incident))
    form = transition_form(name, incident, request.POST)
    data = _transition_data(request, form)

    def refused(outcome: PageOutcome) -> HttpResponse | None:
        if outcome.needs_second_factor:
            return redirect(second_factor.verify_url(request.get_full_path()))
        if isinstance(outcome.refusal, Conflict) and name in presentation.DECISION_TRANSITIONS:
            return _decided_first(request, incident, name, data)
        return None

    return form_page(
        request,
        lambda: services.incident_transition(
            incident_id=incident_id, name=name, user=request.user, data=data
        ),
        _moved(name),
        form=form,
        done=back,
        page=lambda status: page(form, status),
        refused=refused,
    )


def _decided_first(request: HttpRequest, incident: Incident, name: str, data: dict[str, Any]) -> HttpResponse:
    """Someone decided first (409; the refusal is already on the page): who decided what, what was typed."""
    incident = _incident_or_404(request, incident.pk)  # as it is now, after the winner's decision
    context = pages.decided_first(incident=incident, name=name, data=data)
    return render(request, "incidents/decided_first.html", context, status=409)


@login_required
@require_POST
def update_add(request: HttpRequest, incident_id: int) -> HttpResponse:
    """最新进展 (Art. 10) with evidence files."""
    run_for_page(
        request,
        lambda: services.incident_add_update(
            incident_id=incident_id,
            user=request.user,
            data={"text": request.POST.get("text", "")},
            files=request.FILES.getlist("files"),
        ),
        _("最新进展已报告。"),
    )
    return redirect(reverse("incident", args=[incident_id]) + "#updates")


@login_required
@require_POST
def checklist_done(request: HttpRequest, item_id: int) -> HttpResponse:
    incident_id = request.POST.get("incident", "")
    back = (
        reverse("incident", args=[incident_id]) + "#checklist" if incident_id.isdigit() else reverse("home")
    )
    run_for_page(
        request,
        lambda: services.checklist_item_complete(
            item_id=item_id, user=request.user, data={"evidence": request.POST.get("evidence", "")}
        ),
        lambda item: _("措施已完成：%(title)s") % {"title": item.title},
    )
    return redirect(back)


@login_required
@require_POST
def regulator_decision(request: HttpRequest, incident_id: int) -> HttpResponse:
    data = {key: request.POST.get(key) for key in request.POST}
    form = RegulatorDecisionForm(request.POST)
    return form_page(
        request,
        lambda: services.incident_record_regulator_decision(
            incident_id=incident_id, user=request.user, data=data
        ),
        lambda recorded: (
            _("已记录向监管部门报告的决定：%(choice)s。") % {"choice": presentation.regulator_choice(data)}
        ),
        form=form,
        done=reverse("incident", args=[incident_id]) + "#regulator",
        page=lambda status: _incident_page_again(request, incident_id, status, regulator_form=form),
    )


def _incident_page_again(request: HttpRequest, incident_id: int, status: int, **bound: Any) -> HttpResponse:
    """The incident page again, with a refused form as typed and its errors beside the fields."""
    incident = _incident_or_404(request, incident_id)
    context = pages.incident(user=request.user, incident=incident, **bound)
    return render(request, "incidents/incident.html", context, status=status)


REGULATOR_PAGE_ACTIONS = {
    "submission": _lazy("已登记监管报送。"),
    "waiver": _lazy("已申请豁免，待领导小组另一位负责人批准。"),
    "approve": _lazy("已批准豁免：该时限记为未报送（经豁免）。"),
}


@login_required
@require_POST
def regulator_deadline_action(
    request: HttpRequest, incident_id: int, deadline_id: int, action: str
) -> HttpResponse:
    """Record a submission for a regulator deadline, ask to waive it, or approve the waiver (four-eyes)."""
    if action not in REGULATOR_PAGE_ACTIONS:
        raise Http404
    data = request.POST.dict()
    ids: dict[str, Any] = {
        "incident_id": incident_id,
        "deadline_id": deadline_id,
        "user": request.user,
        "data": data,
    }
    writes = {
        "submission": lambda: regulator.submission_record(**ids, document=request.FILES.get("document")),
        "waiver": lambda: regulator.waiver_request(**ids),
        "approve": lambda: regulator.waiver_approve(**ids),
    }
    run_for_page(request, writes[action], str(REGULATOR_PAGE_ACTIONS[action]))
    return redirect(reverse("incident", args=[incident_id]) + "#regulator")


@login_required
@require_POST
def event_start(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Art. 19: the Leadership Group corrects when the event began."""
    run_for_page(
        request,
        lambda: services.incident_correct_event_start(
            incident_id=incident_id, user=request.user, data=request.POST.dict()
        ),
        _("已更正事件开始时间，原时间和理由记入时间线。"),
    )
    return redirect(reverse("incident", args=[incident_id]) + "#facts")


@login_required
@require_POST
def kind(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Art. 14: the Leadership Group corrects the kind of sudden event; the measures follow."""
    form = KindForm(request.POST, auto_id=pages.KIND_FORM_ID)
    return form_page(
        request,
        lambda: services.incident_correct_kind(
            incident_id=incident_id, user=request.user, data=request.POST.dict()
        ),
        _("已更正突发事件种类，措施清单已按新种类调整，原种类和理由记入时间线。"),
        form=form,
        done=reverse("incident", args=[incident_id]) + "#facts",
        page=lambda status: _incident_page_again(request, incident_id, status, kind_form=form),
    )


# --- the approval inbox ----------------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Only what still waits for MY decision, newest first, as compact cards (``pages.inbox``)."""
    return render(request, "incidents/inbox.html", pages.inbox(user=request.user))


@login_required
@require_POST
def inbox_decide(request: HttpRequest, incident_id: int, name: str) -> HttpResponse:
    """A decision from the inbox: the inbox's forms carry a prefix, so strip it and call the one service."""
    if name not in presentation.DECISION_TRANSITIONS:
        raise Http404(_("没有这个操作。"))
    prefix = f"i{incident_id}-{name}-"
    data = {key.removeprefix(prefix): request.POST.get(key) for key in request.POST if key.startswith(prefix)}
    incident = _incident_or_404(request, incident_id)
    form = transition_form(name, incident, data)

    def refused(outcome: PageOutcome) -> HttpResponse | None:
        if outcome.needs_second_factor:
            return redirect(second_factor.verify_url(reverse("inbox")))
        if isinstance(outcome.refusal, Conflict):
            return _decided_first(request, incident, name, data)
        return None

    def page(status: int) -> HttpResponse:
        context = pages.inbox_refused(incident=incident, name=name, form=form, back=reverse("inbox"))
        return render(request, "incidents/transition.html", context, status=status)

    return form_page(
        request,
        lambda: services.incident_transition(
            incident_id=incident_id, name=name, user=request.user, data=data
        ),
        lambda moved: (
            _("#%(id)s 已%(action)s，当前状态：%(state)s")
            % {
                "id": incident_id,
                "action": presentation.TRANSITION_LABELS[name],
                "state": moved.get_state_display(),
            }
        ),
        form=form,
        done=reverse("inbox"),
        page=page,
        refused=refused,
    )


# --- help ------------------------------------------------------------------------------------------------


@login_required
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "incidents/help.html", pages.help_page())
