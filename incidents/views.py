"""The pages (Django templates + htmx). Views are thin: reads through ``selectors``, every write through
``services`` — the same functions the API and the tasks call — and each refusal of ``core.errors``
becomes a message on the page: 400 field errors on the form, 403 a refusal, 409 "someone acted first"."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import errors as refusals
from core.errors import (
    Conflict,
    IncidentError,
    IncidentNotFound,
    Invalid,
    SecondFactorRequired,
    UnknownTransition,
)
from core.pages import bind_errors, dress, refusal_message
from security import masking, second_factor
from teams import selectors as team_selectors

from . import contributions, policies, presentation, search, selectors, services
from .forms import (
    TRANSITION_FORMS,
    ChecklistDoneForm,
    DeclareForm,
    IncidentSearchForm,
    ProgressUpdateForm,
    RegulatorDecisionForm,
)
from .models import Incident, State
from .plans import default_plan_for, lead_group_for


def transition_form(name: str, incident: Incident, data: Any = None, **kwargs: Any) -> forms.BaseForm:
    """The transition's shared form, with the initial values a page should offer: the activation form
    proposes the plan's own lead group (a select without a blank would otherwise offer the first group)."""
    form = TRANSITION_FORMS[name](data, incident=incident, **kwargs)
    if "category" in form.fields:  # the report form must not silently recategorise the incident
        form.fields["category"].initial = incident.category
    if "grade" in form.fields and incident.grade:
        form.fields["grade"].initial = incident.grade
    if "lead_group" in form.fields:
        plan = incident.plan or default_plan_for(incident.category)
        form.fields["lead_group"].initial = (
            incident.lead_group.code if incident.lead_group is not None else lead_group_for(plan)
        )
    return dress(form)


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


def _board_context(request: HttpRequest) -> dict[str, Any]:
    incidents = selectors.board_incidents(user=request.user)
    deadlines = selectors.deadlines_for(incidents=incidents)
    columns = []
    for state in (
        State.MONITORING,
        State.REPORTED,
        State.ACTIVATED,
        State.EXECUTING,
        State.TERMINATION_REQUESTED,
    ):
        rows = [
            {
                "incident": incident,
                "next_actor": presentation.next_actor(incident),
                "deadline": _with_labels(deadlines.get(incident.pk, []))[:1],
            }
            for incident in incidents
            if incident.state == state
        ]
        columns.append({"state": state, "label": State(state).label, "rows": rows})
    waiting = selectors.decisions_waiting_for(user=request.user)
    return {
        "columns": columns,
        "total": len(incidents),
        "now": timezone.now(),
        # What the board's alert script compares between two polls (a new incident, a new decision for me).
        "incident_ids": " ".join(str(incident.pk) for incident in incidents),
        "waiting_keys": " ".join(
            f"{item['kind']}-{item['incident'].pk}-{item['since']:%Y%m%d%H%M%S}" for item in waiting
        ),
        "waiting_count": len(waiting),
    }


def _with_labels(deadlines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Deadlines as the pages show them: a label in the plan's words and ``due_at`` as a datetime."""
    shown = []
    for item in deadlines:
        due = item["due_at"]
        shown.append(
            {
                **item,
                "due_at": datetime.fromisoformat(due) if isinstance(due, str) else due,
                "label": item.get("label") or presentation.DEADLINE_LABELS.get(item["kind"], item["kind"]),
            }
        )
    return shown


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The supervisor's home: the live board of open incidents by state, and the emergency organisation."""
    context = {
        **_board_context(request),
        "poll_seconds": settings.BOARD_POLL_SECONDS,
        "teams": team_selectors.teams_with_members(),
        "parties": team_selectors.parties_with_people(),
    }
    return render(request, "incidents/board.html", context)


@login_required
def board_partial(request: HttpRequest) -> HttpResponse:
    """The board's body, polled by htmx so the board stays live without a reload."""
    return render(request, "incidents/partials/_board.html", _board_context(request))


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
        {"form": form, "page": page, "query": query.urlencode(), "count_limit": search.COUNT_LIMIT},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- declaring -------------------------------------------------------------------------------------------


@login_required
def declare(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = DeclareForm(request.POST)
        try:
            incident = services.incident_declare(
                user=request.user, data=request.POST.dict() | {"is_drill": "is_drill" in request.POST}
            )
        except Invalid as exc:
            bind_errors(form, exc)
            messages.error(request, exc.message)
        except IncidentError as exc:
            refusal_message(request, exc)
        else:
            messages.success(request, _("事件已登记：%(title)s") % {"title": incident.title})
            return redirect("incident", incident_id=incident.pk)
        status = 400
    else:
        form = DeclareForm(initial={"detected_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
        status = 200
    may = policies.may_declare(request.user)
    return render(request, "incidents/declare.html", {"form": dress(form), "may_declare": may}, status=status)


# --- the incident page -----------------------------------------------------------------------------------


def _incident_context(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    actor = team_selectors.actor_for(request.user)
    transitions = [
        {"name": name, "label": presentation.TRANSITION_LABELS[name]}
        for name in selectors.available_transitions(incident=incident, user=request.user)
    ]
    # Resolved once per page rather than per entry in the template: a 200-entry timeline stays cheap.
    state_labels = {value: str(label) for value, label in State.choices}
    action_labels = {action: str(label) for action, label in presentation.ACTION_LABELS.items()}
    zone = timezone.get_current_timezone()
    timeline = [
        {
            "action": entry["action"],
            "kind": entry["kind"],
            "at": entry["at"],
            "when": entry["at"].astimezone(zone).strftime("%m-%d %H:%M:%S"),
            "label": action_labels.get(entry["action"], entry["action"]),
            "moved": entry["from_state"] != entry["to_state"],
            "from_label": state_labels.get(entry["from_state"], "∅"),
            "to_label": state_labels.get(entry["to_state"], ""),
            "actor_name": _(entry["actor_name"]) if entry["actor_name"] else "",
            "comment": presentation.timeline_comment(entry["action"], entry["comment"], entry["payload"]),
            "payload": entry["payload"],
        }
        for entry in map(
            masking.masked_entry,
            selectors.timeline_of(incident=incident).values(
                "action", "kind", "at", "from_state", "to_state", "actor_name", "comment", "payload"
            ),
        )
    ]
    for row in timeline:
        if row["action"] == "regulator_decision":  # the timeline says what was decided (issue 12)
            row["label"] = f"{row['label']}：{presentation.regulator_choice(row['payload'])}"
    checklist = list(selectors.checklist_of(incident=incident).select_related("done_by__person"))
    for item in checklist:  # issue 13: only the owner, the lead group's lead or the Leadership Group
        item.may_complete = policies.may_complete_checklist_item(incident, item, request.user)  # type: ignore[attr-defined]
    decisions = [entry for entry in timeline if entry["action"] in presentation.DECISION_TRANSITIONS]
    may_act = policies.may_act_on(incident, request.user)
    updates = list(
        incident.updates.select_related("author__person").prefetch_related("attachments").order_by("-at")
    )
    linked = list(
        Incident.objects.filter(Q(pk=incident.related_incident_id) | Q(related_incident=incident))
        .only("id", "title", "state", "is_drill")
        .order_by("detected_at")
    )
    return {
        "incident": incident,
        "actor": actor,
        "transitions": transitions,
        "timeline": timeline,
        "timeline_html": timeline_html(timeline),
        "checklist": checklist,
        "decisions": decisions,
        "required_slots": incident.required_approval_slots,
        "deadlines": _with_labels(selectors.deadlines_for(incidents=[incident]).get(incident.pk, [])),
        "may_act": may_act,
        "extra_actions": contributions.incident_actions(incident, request.user),
        "may_regulator": policies.may_record_regulator_decision(incident, request.user),
        "update_form": ProgressUpdateForm(),
        "done_form": ChecklistDoneForm(),
        "regulator_form": RegulatorDecisionForm(),
        "updates": updates,
        "linked": linked,
        "next_actor": presentation.next_actor(incident),
        "now": timezone.now(),
    }


@login_required
def incident_page(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident_or_404(request, incident_id)
    return render(request, "incidents/incident.html", _incident_context(request, incident))


@login_required
def transition(request: HttpRequest, incident_id: int, name: str) -> HttpResponse:
    """GET: the transition's form (the shared form of ``incidents.forms``). POST: the one service."""
    if name not in TRANSITION_FORMS:
        raise Http404(_("没有这个操作。"))
    incident = _incident_or_404(request, incident_id)
    back = safe_next(request, reverse("incident", args=[incident_id]))
    status = 200
    if request.method == "POST":
        form = transition_form(name, incident, request.POST)
        try:
            data: dict[str, Any] = {key: request.POST.get(key) for key in request.POST}
            for key in request.POST:
                if isinstance(form.fields.get(key), forms.ModelMultipleChoiceField):
                    data[key] = request.POST.getlist(key)
            moved = services.incident_transition(
                incident_id=incident_id, name=name, user=request.user, data=data
            )
        except Invalid as exc:
            bind_errors(form, exc)
            messages.error(request, exc.message)
            status = 400
        except (UnknownTransition, IncidentNotFound) as exc:
            raise Http404(exc.message) from exc
        except SecondFactorRequired as exc:
            refusal_message(request, exc)
            return redirect(second_factor.verify_url(request.get_full_path()))
        except Conflict as exc:
            if name in presentation.DECISION_TRANSITIONS:
                return _decided_first(request, incident_id, name, data, exc)
            refusal_message(request, exc)
            return redirect(back)
        except IncidentError as exc:
            refusal_message(request, exc)
            return redirect(back)
        else:
            messages.success(
                request,
                _("已%(action)s，当前状态：%(state)s")
                % {"action": presentation.TRANSITION_LABELS[name], "state": moved.get_state_display()},
            )
            return redirect(back)
    else:
        form = transition_form(name, incident)
    may = name in selectors.available_transitions(incident=incident, user=request.user)
    return render(
        request,
        "incidents/transition.html",
        {
            "incident": incident,
            "name": name,
            "label": presentation.TRANSITION_LABELS[name],
            "form": dress(form),
            "may": may,
            "four_eyes": _four_eyes_note(incident, name, request.user),
            "next": back,
            # issue 12: a warning, not a block — termination may be requested with measures still open
            "open_items": (
                list(selectors.checklist_of(incident=incident).filter(done_at__isnull=True))
                if name == "request_termination"
                else []
            ),
        },
        status=status,
    )


def _decided_first(
    request: HttpRequest, incident_id: int, name: str, data: dict[str, Any], exc: Conflict
) -> HttpResponse:
    """Someone decided first (409): say who decided what, when and with which grade, and give the loser back
    what they typed, to reuse (issue 12)."""
    refusal_message(request, exc)
    incident = _incident_or_404(request, incident_id)
    form = TRANSITION_FORMS[name](None, incident=incident)
    typed = []
    for field_name, value in data.items():
        field = form.fields.get(field_name)
        if field is None or value in (None, "", []):
            continue
        choices = dict(getattr(field, "choices", []) or [])
        shown = choices.get(value, value) if isinstance(value, str) else value
        typed.append({"label": field.label, "value": str(shown)})
    decision = selectors.latest_decision(incident=incident)
    return render(
        request,
        "incidents/decided_first.html",
        {
            "incident": incident,
            "label": presentation.TRANSITION_LABELS[name],
            "decision": decision,
            "decision_label": presentation.ACTION_LABELS.get(decision.action, decision.action)
            if decision
            else "",
            "typed": typed,
        },
        status=409,
    )


def timeline_html(rows: list[dict[str, Any]]) -> str:
    """The timeline's list items, built with the standard library's ``html.escape``: with hundreds of
    entries this is many times cheaper than the template engine or ``format_html`` per row, and the
    incident page must stay fast however long its record grows (DESIGN §8)."""
    items = []
    for row in rows:
        moved = (
            f' <span class="muted">{escape(row["from_label"])} → {escape(row["to_label"])}</span>'
            if row["moved"]
            else ""
        )
        comment = f'<div class="comment">{escape(row["comment"])}</div>' if row["comment"] else ""
        items.append(
            f'<li class="kind-{escape(row["kind"])}"><span class="when">{row["when"]}</span> '
            f"<strong>{escape(row['label'])}</strong>{moved} · {escape(row['actor_name'])}{comment}</li>"
        )
    return mark_safe("\n".join(items))  # noqa: S308 — every value above is escaped


def _four_eyes_note(incident: Incident, name: str, user: Any) -> str:
    """The four-eyes rule, explained where it applies to this user (DESIGN §1)."""
    uid = getattr(user, "pk", None)
    if name in ("activate", "decline") and uid and incident.reported_by_id == uid:
        return _("四眼原则：您是本事件的报告人，启动决定须由领导小组另一位负责人作出。")
    if name == "approve_termination" and uid and incident.termination_requested_by_id == uid:
        return _("四眼原则：您提出了终止申请，不能批准自己的申请。")
    return ""


@login_required
@require_POST
def update_add(request: HttpRequest, incident_id: int) -> HttpResponse:
    """最新进展 (Art. 10) with evidence files."""
    back = reverse("incident", args=[incident_id]) + "#updates"
    try:
        services.incident_add_update(
            incident_id=incident_id,
            user=request.user,
            data={"text": request.POST.get("text", "")},
            files=request.FILES.getlist("files"),
        )
    except IncidentNotFound as exc:
        raise Http404(exc.message) from exc
    except Invalid as exc:
        details = [e.get("message", "") for errs in (exc.detail or {}).values() for e in errs]
        messages.error(request, "；".join([exc.message, *details]) if details else exc.message)
    except IncidentError as exc:
        refusal_message(request, exc)
    else:
        messages.success(request, _("最新进展已报告。"))
    return redirect(back)


@login_required
@require_POST
def checklist_done(request: HttpRequest, item_id: int) -> HttpResponse:
    incident_id = request.POST.get("incident", "")
    back = (
        reverse("incident", args=[incident_id]) + "#checklist" if incident_id.isdigit() else reverse("home")
    )
    try:
        item = services.checklist_item_complete(
            item_id=item_id, user=request.user, data={"evidence": request.POST.get("evidence", "")}
        )
    except IncidentNotFound as exc:
        raise Http404(exc.message) from exc
    except Invalid as exc:
        messages.error(
            request, _("请填写完成情况/证据。") if "evidence" in (exc.detail or {}) else exc.message
        )
    except IncidentError as exc:
        refusal_message(request, exc)
    else:
        messages.success(request, _("措施已完成：%(title)s") % {"title": item.title})
    return redirect(back)


@login_required
@require_POST
def regulator_decision(request: HttpRequest, incident_id: int) -> HttpResponse:
    back = reverse("incident", args=[incident_id]) + "#regulator"
    data = {key: request.POST.get(key) for key in request.POST}
    try:
        services.incident_record_regulator_decision(incident_id=incident_id, user=request.user, data=data)
    except IncidentNotFound as exc:
        raise Http404(exc.message) from exc
    except Invalid as exc:
        # The page again, with the form as typed and its errors beside the fields (the reason is kept).
        incident = _incident_or_404(request, incident_id)
        form = RegulatorDecisionForm(request.POST)
        bind_errors(form, exc)
        messages.error(request, exc.message)
        context = {**_incident_context(request, incident), "regulator_form": dress(form)}
        return render(request, "incidents/incident.html", context, status=400)
    except IncidentError as exc:
        refusal_message(request, exc)
    else:
        messages.success(
            request,
            _("已记录向监管部门报告的决定：%(choice)s。") % {"choice": presentation.regulator_choice(data)},
        )
    return redirect(back)


# --- the approval inbox ----------------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Only what still waits for MY decision, newest first, as compact cards: the evidence, the open
    checklist items and the latest figures on a termination request, the decision forms folded."""
    waiting = selectors.decisions_waiting_for(user=request.user)
    incidents = [item["incident"] for item in waiting if item["kind"] == "incident"]
    evidence = selectors.termination_evidence(
        incidents=[i for i in incidents if i.state == State.TERMINATION_REQUESTED]
    )
    figures = contributions.latest_figures() if evidence else None
    cards: list[dict[str, Any]] = []
    for item in waiting:
        if item["kind"] != "incident":
            cards.append(item)
            continue
        incident = item["incident"]
        cards.append(
            {
                **item,
                "moves": [
                    {
                        "name": name,
                        "label": presentation.TRANSITION_LABELS[name],
                        "form": transition_form(name, incident, prefix=f"i{incident.pk}-{name}"),
                    }
                    for name in item["moves"]
                ],
                "round_approvals": [
                    a for a in incident.approvals.all() if a.round == incident.termination_round
                ],
                "next_actor": presentation.next_actor(incident),
                **evidence.get(incident.pk, {}),
            }
        )
    return render(request, "incidents/inbox.html", {"cards": cards, "figures": figures})


@login_required
@require_POST
def inbox_decide(request: HttpRequest, incident_id: int, name: str) -> HttpResponse:
    """A decision from the inbox: the inbox's forms carry a prefix, so strip it and call the one service."""
    if name not in presentation.DECISION_TRANSITIONS:
        raise Http404(_("没有这个操作。"))
    prefix = f"i{incident_id}-{name}-"
    data = {key.removeprefix(prefix): request.POST.get(key) for key in request.POST if key.startswith(prefix)}
    try:
        moved = services.incident_transition(incident_id=incident_id, name=name, user=request.user, data=data)
    except (UnknownTransition, IncidentNotFound) as exc:
        raise Http404(exc.message) from exc
    except Invalid as exc:
        incident = _incident_or_404(request, incident_id)
        form = transition_form(name, incident, data)
        bind_errors(form, exc)
        messages.error(request, exc.message)
        return render(
            request,
            "incidents/transition.html",
            {
                "incident": incident,
                "name": name,
                "label": presentation.TRANSITION_LABELS[name],
                "form": dress(form),
                "may": True,
                "four_eyes": "",
                "next": reverse("inbox"),
            },
            status=400,
        )
    except SecondFactorRequired as exc:
        refusal_message(request, exc)
        return redirect(second_factor.verify_url(reverse("inbox")))
    except Conflict as exc:
        return _decided_first(request, incident_id, name, data, exc)
    except IncidentError as exc:
        refusal_message(request, exc)
    else:
        messages.success(
            request,
            _("#%(id)s 已%(action)s，当前状态：%(state)s")
            % {
                "id": incident_id,
                "action": presentation.TRANSITION_LABELS[name],
                "state": moved.get_state_display(),
            },
        )
    return redirect("inbox")


# --- help ------------------------------------------------------------------------------------------------


@login_required
def help_page(request: HttpRequest) -> HttpResponse:
    diagram = presentation.lifecycle_diagram()
    states = [
        {
            "state": state,
            "label": State(state).label,
            "meaning": presentation.STATE_MEANINGS[state][0],
            "article": presentation.STATE_MEANINGS[state][1],
            "moves": [
                {"label": presentation.TRANSITION_LABELS[name], "target": State(target).label}
                for name, source, target in diagram["transitions"]
                if source == state
            ],
        }
        for state in State.values
    ]
    return render(request, "incidents/help.html", {"diagram": diagram, "states": states})
