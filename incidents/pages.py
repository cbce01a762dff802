"""What each page of the incident desk shows — one function per page, returning what its template needs
(the views only call these and the services). Reads go through ``selectors``; the words through
``presentation``; who may do what through ``policies``."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.safestring import mark_safe

from core.pages import dress
from security import masking
from teams import selectors as team_selectors

from . import contributions, policies, presentation, selectors
from .forms import TRANSITION_FORMS, ChecklistDoneForm, ProgressUpdateForm, RegulatorDecisionForm
from .models import Incident, State
from .plans import default_plan_for, lead_group_for

BOARD_STATES = (
    State.MONITORING,
    State.REPORTED,
    State.ACTIVATED,
    State.EXECUTING,
    State.TERMINATION_REQUESTED,
)


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


def with_labels(deadlines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Deadlines as the pages show them: a label in the plan's words and ``due_at`` as a datetime."""
    return [
        {
            **item,
            "due_at": datetime.fromisoformat(item["due_at"])
            if isinstance(item["due_at"], str)
            else item["due_at"],
            "label": item.get("label") or presentation.DEADLINE_LABELS.get(item["kind"], item["kind"]),
        }
        for item in deadlines
    ]


# --- the live board --------------------------------------------------------------------------------------


def board(*, user: Any) -> dict[str, Any]:
    incidents = selectors.board_incidents(user=user)
    deadlines = selectors.deadlines_for(incidents=incidents)
    columns = [
        {
            "state": state,
            "label": State(state).label,
            "rows": [
                {
                    "incident": incident,
                    "next_actor": presentation.next_actor(incident),
                    "deadline": with_labels(deadlines.get(incident.pk, []))[:1],
                }
                for incident in incidents
                if incident.state == state
            ],
        }
        for state in BOARD_STATES
    ]
    return {"columns": columns, "total": len(incidents), "now": timezone.now()}


def home(*, user: Any) -> dict[str, Any]:
    return {
        **board(user=user),
        "teams": team_selectors.teams_with_members(),
        "parties": team_selectors.parties_with_people(),
    }


# --- the incident page -----------------------------------------------------------------------------------


def timeline_rows(*, incident: Incident) -> list[dict[str, Any]]:
    # Resolved once per page rather than per entry in the template: a 200-entry timeline stays cheap.
    state_labels = {value: str(label) for value, label in State.choices}
    action_labels = {action: str(label) for action, label in presentation.ACTION_LABELS.items()}
    zone = timezone.get_current_timezone()
    return [
        {
            "action": entry["action"],
            "kind": entry["kind"],
            "at": entry["at"],
            "when": entry["at"].astimezone(zone).strftime("%m-%d %H:%M:%S"),
            "label": action_labels.get(entry["action"], entry["action"]),
            "moved": entry["from_state"] != entry["to_state"],
            "from_label": state_labels.get(entry["from_state"], "∅"),
            "to_label": state_labels.get(entry["to_state"], ""),
            "actor_name": entry["actor_name"],
            "comment": entry["comment"],
            "payload": entry["payload"],
        }
        for entry in map(
            masking.masked_entry,  # complainants' personal data, as the surface shows it (issue 16)
            selectors.timeline_of(incident=incident).values(
                "action", "kind", "at", "from_state", "to_state", "actor_name", "comment", "payload"
            ),
        )
    ]


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


def incident(*, user: Any, incident: Incident) -> dict[str, Any]:
    timeline = timeline_rows(incident=incident)
    return {
        "incident": incident,
        "actor": team_selectors.actor_for(user),
        "transitions": [
            {"name": name, "label": presentation.TRANSITION_LABELS[name]}
            for name in selectors.available_transitions(incident=incident, user=user)
        ],
        "timeline": timeline,
        "timeline_html": timeline_html(timeline),
        "checklist": list(selectors.checklist_of(incident=incident)),
        "decisions": [entry for entry in timeline if entry["action"] in presentation.DECISION_TRANSITIONS],
        "required_slots": incident.required_approval_slots,
        "deadlines": with_labels(selectors.deadlines_for(incidents=[incident]).get(incident.pk, [])),
        "may_act": policies.may_act_on(incident, user),
        "may_regulator": policies.may_record_regulator_decision(incident, user),
        "update_form": ProgressUpdateForm(),
        "done_form": ChecklistDoneForm(),
        "regulator_form": RegulatorDecisionForm(),
        "updates": list(selectors.updates_of(incident=incident)),
        "linked": list(selectors.linked_incidents(incident=incident)),
        "next_actor": presentation.next_actor(incident),
        "now": timezone.now(),
    }


def transition(
    *, user: Any, incident: Incident, name: str, form: forms.BaseForm, back: str, may: bool | None = None
) -> dict[str, Any]:
    return {
        "incident": incident,
        "name": name,
        "label": presentation.TRANSITION_LABELS[name],
        "form": dress(form),
        "may": name in selectors.available_transitions(incident=incident, user=user) if may is None else may,
        "four_eyes": policies.four_eyes_refusal(incident, name, user),
        "next": back,
    }


# --- the approval inbox ----------------------------------------------------------------------------------


def _inbox_item(incident: Incident, user: Any) -> dict[str, Any] | None:
    """An incident awaiting this user's decision, or the four-eyes case that keeps them from it (shown
    and explained rather than hidden); None when neither."""
    moves = [
        name
        for name in selectors.available_transitions(incident=incident, user=user)
        if name in presentation.DECISION_TRANSITIONS
    ]
    note = ""
    if not moves:
        name = "activate" if incident.state == State.REPORTED else "approve_termination"
        note = policies.four_eyes_refusal(incident, name, user)
        if not note:
            return None
    waiting_since = (
        incident.termination_requested_at
        if incident.state == State.TERMINATION_REQUESTED
        else incident.reported_at
    ) or incident.detected_at
    return {
        "incident": incident,
        "since": waiting_since,
        "moves": [
            {
                "name": name,
                "label": presentation.TRANSITION_LABELS[name],
                "form": transition_form(name, incident, prefix=f"i{incident.pk}-{name}"),
            }
            for name in moves
        ],
        "note": note,
        "round_approvals": selectors.approvals_in_round(incident=incident),
        "required_slots": incident.required_approval_slots,
        "next_actor": presentation.next_actor(incident),
    }


def inbox(*, user: Any) -> dict[str, Any]:
    """What awaits the user's decision, oldest first: incidents (activation, termination approvals) and
    the measures the apps above register (``contributions``), each marked when it is the user's own."""
    items = [
        item
        for item in (_inbox_item(incident, user) for incident in selectors.awaiting_decision(user=user))
        if item is not None
    ]
    items.sort(key=lambda item: item["since"])
    deciding = team_selectors.actor_for(user).is_leadership_decider
    return {"items": items, "measure_items": contributions.decisions_awaiting(user) if deciding else []}


# --- help ------------------------------------------------------------------------------------------------


def help_page() -> dict[str, Any]:
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
    return {"diagram": diagram, "states": states}
