"""What each page of the incident desk shows — one function per page, returning what its template needs
(the views only call these and the services). Reads go through ``selectors``; the words through
``presentation``; who may do what through ``policies``."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from html import escape
from typing import Any

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.pages import dress
from security import masking
from teams import selectors as team_selectors

from . import contributions, policies, presentation, regulator, selectors
from .forms import (
    TRANSITION_FORMS,
    ChecklistDoneForm,
    EventStartForm,
    IncidentSearchForm,
    KindForm,
    ProgressUpdateForm,
    RegulatorDecisionForm,
    RegulatorSubmissionForm,
)
from .models import Incident, State, TimelineEntry
from .plans import Category, Grade, Plan, default_plan_for, kind_applies, lead_group_for
from .states import plan_running

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
    """Deadlines as the pages show them: a label in the plan's words, ``due_at`` (and a measure's
    ``next_reminder_at``) as datetimes, and ``overdue`` once ``due_at`` has passed."""
    now = timezone.now()
    rows = []
    for item in deadlines:
        row = {
            **item,
            "due_at": _as_datetime(item["due_at"]),
            "label": item.get("label") or presentation.DEADLINE_LABELS.get(item["kind"], item["kind"]),
        }
        if item.get("measure"):  # a seeded measure's stored (Chinese) title, in the reader's language
            row["label"] = _(row["label"])
        if item.get("next_reminder_at"):  # shown only when it is not the due time itself
            reminder = _as_datetime(item["next_reminder_at"])
            row["next_reminder_at"] = reminder if reminder != row["due_at"] else None
        row["overdue"] = row["due_at"] < now
        rows.append(row)
    return rows


def _as_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


# --- the live board --------------------------------------------------------------------------------------


def board(*, user: Any) -> dict[str, Any]:
    incidents = selectors.board_incidents(user=user)
    deadlines = selectors.deadlines_for(incidents=incidents)
    # issue 12: what must not stay on another page (people missing in a roll call), all cards in one call
    alerts = contributions.alerts_for_incidents(incident.pk for incident in incidents)
    columns = [
        {
            "state": state,
            "label": State(state).label,
            "rows": [
                {
                    "incident": incident,
                    "next_actor": presentation.next_actor(incident),
                    "deadline": with_labels(deadlines.get(incident.pk, []))[:1],
                    "alerts": alerts.get(incident.pk, []),
                }
                for incident in incidents
                if incident.state == state
            ],
        }
        for state in BOARD_STATES
    ]
    waiting = selectors.decisions_waiting_for(user=user)
    return {
        "columns": columns,
        "total": len(incidents),
        "now": timezone.now(),
        "regulator_outstanding": selectors.regulator_outstanding(user=user),
        # What the board's alert script compares between two polls (a new incident, a new decision for me).
        "incident_ids": " ".join(str(incident.pk) for incident in incidents),
        "waiting_keys": " ".join(
            f"{item['kind']}-{item['incident'].pk}-{item['since']:%Y%m%d%H%M%S}" for item in waiting
        ),
        "waiting_count": len(waiting),
    }


def home(*, user: Any) -> dict[str, Any]:
    return {
        **board(user=user),
        "poll_seconds": settings.BOARD_POLL_SECONDS,
        "teams": team_selectors.teams_with_members(),
        "parties": team_selectors.parties_with_people(),
    }


# --- the incident page -----------------------------------------------------------------------------------


# Every filter field but the search words (rendered each time) and the page number (hidden).
LIST_FILTER_FIELDS = tuple(name for name in IncidentSearchForm.base_fields if name not in ("q", "page"))


def list_filters_html(data: Any) -> str:
    """The incident list's filter fields (everything but the search words), rendered once per process for
    each language and combination of values: Django's widget templates (an include per option) were a third
    of the page's time (issue 12 profile). The HTML depends only on these values and the language — errors
    included (a bad date is refused the same way every time)."""
    values = tuple((name, tuple(data.getlist(name))) for name in LIST_FILTER_FIELDS if name in data)
    return _list_filters_html(translation.get_language(), values)


@lru_cache(maxsize=512)
def _list_filters_html(language: str, values: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    data = QueryDict(mutable=True)
    for name, items in values:
        data.setlist(name, list(items))
    form = IncidentSearchForm(data if values else None)
    return render_to_string("incidents/partials/_list_filters.html", {"form": form})


def list_rows_html(incidents: list[Incident]) -> str:
    """The incident list's table rows, every label resolved once per page and the HTML built with
    ``html.escape`` like the timeline's (issue 12 profile: a row through the template engine — a dozen
    variable lookups, ``default`` filters, localisation and autoescape each — cost ~0.1 ms, 2.7 ms a page)."""
    labels = {
        name: {value: str(label) for value, label in choices.choices}
        for name, choices in (("state", State), ("grade", Grade), ("plan", Plan), ("category", Category))
    }
    heads = {
        "state": escape(_("状态")),
        "grade": escape(_("分级")),
        "plan": escape(_("预案")),
        "category": escape(_("类别")),
        "lead": escape(_("牵头")),
        "detected": escape(_("发现时间")),
    }
    drill = f'<span class="badge drill">{escape(_("演练"))}</span> '
    zone = timezone.get_current_timezone()
    url = reverse("incident", args=[0]).removesuffix("0/") + "{}/"
    teams: dict[int, str] = {}
    rows = []
    for incident in incidents:
        team = incident.lead_group
        if team is not None and team.pk not in teams:
            teams[team.pk] = escape(str(team))
        state = escape(incident.state)
        grade = labels["grade"].get(incident.grade, "") if incident.grade else ""
        plan = labels["plan"].get(incident.plan, "") if incident.plan else ""
        rows.append(
            f'<tr data-incident="{incident.pk}">\n'
            f'    <td class="title"><a href="{url.format(incident.pk)}">{drill if incident.is_drill else ""}'
            f"#{incident.pk} {escape(incident.title)}</a></td>\n"
            f'    <td data-label="{heads["state"]}"><span class="state state-{state}">'
            f"{escape(labels['state'].get(incident.state, incident.state))}</span></td>\n"
            f'    <td data-label="{heads["grade"]}" class="grade">{escape(grade) or "—"}</td>\n'
            f'    <td data-label="{heads["plan"]}">{escape(plan) or "—"}</td>\n'
            f'    <td data-label="{heads["category"]}">'
            f"{escape(labels['category'].get(incident.category, incident.category))}</td>\n"
            f'    <td data-label="{heads["lead"]}">{teams[team.pk] if team is not None else "—"}</td>\n'
            f'    <td data-label="{heads["detected"]}">'
            f"{incident.detected_at.astimezone(zone).strftime('%Y-%m-%d %H:%M')}</td>\n"
            "  </tr>"
        )
    return mark_safe("\n  ".join(rows))  # noqa: S308 — every value above is escaped


def timeline_rows(*, incident: Incident) -> list[dict[str, Any]]:
    # Resolved once per page rather than per entry in the template: a 200-entry timeline stays cheap.
    state_labels = {value: str(label) for value, label in State.choices}
    action_labels = {action: str(label) for action, label in presentation.ACTION_LABELS.items()}
    zone = timezone.get_current_timezone()
    rows = [
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
            masking.masked_entry,  # complainants' personal data, as the surface shows it (issue 16)
            selectors.timeline_of(incident=incident).values(
                "action", "kind", "at", "from_state", "to_state", "actor_name", "comment", "payload"
            ),
        )
    ]
    for row in rows:
        if row["action"] == "regulator_decision":  # the timeline says what was decided (issue 12)
            row["label"] = f"{row['label']}：{presentation.regulator_choice(row['payload'])}"
    return rows


def grouped_marks(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The page's timeline (oldest first) with each run of consecutive roll-call marks of the same roll call
    folded into one row (``"marks"``: the run's rows): 16 people marked are one entry, not 16 of 24. Only
    the page's presentation — the stored timeline (and the API, the report) keeps every mark."""
    grouped: list[dict[str, Any]] = []
    for row in rows:
        roll_call = (row.get("payload") or {}).get("roll_call")
        if row["action"] in presentation.ROLL_CALL_MARK_ACTIONS and roll_call is not None:
            last = grouped[-1] if grouped else None
            if last is not None and last.get("marks") is not None and last["roll_call"] == roll_call:
                last["marks"].append(row)
                continue
            grouped.append({"marks": [row], "roll_call": roll_call, "kind": row["kind"]})
            continue
        grouped.append(row)
    # a run of one is shown as the entry it is
    return [row["marks"][0] if "marks" in row and len(row["marks"]) == 1 else row for row in grouped]


def _marks_html(group: dict[str, Any]) -> str:
    """A folded run of roll-call marks: the summary, then each mark (who was marked what, by whom, when)."""
    marks = group["marks"]
    summary = presentation.roll_call_marks_summary([row["payload"] or {} for row in marks])
    markers = _("、").join(dict.fromkeys(escape(row["actor_name"]) for row in marks if row["actor_name"]))
    first, last = marks[0]["when"], marks[-1]["when"]
    span = f"{first}–{last[-8:]}" if first[:5] == last[:5] else f"{first}–{last}"
    each = "".join(
        f'<li><span class="when">{row["when"][-8:]}</span> {escape(row["comment"])} '
        f'<span class="muted">· {escape(row["actor_name"])}</span></li>'
        for row in reversed(marks)  # newest first, as the timeline
    )
    shown = escape(
        ngettext("逐条查看（%(n)d 条记录）", "逐条查看（%(n)d 条记录）", len(marks)) % {"n": len(marks)}
    )
    return (
        f'<li class="kind-{escape(group["kind"])} roll-call-marks" data-marks="{len(marks)}">'
        f'<span class="when">{span}</span> <strong>{escape(summary)}</strong> · {markers}'
        f'<details><summary>{shown}</summary><ol class="marks-list">{each}</ol></details></li>'
    )


def timeline_html(rows: list[dict[str, Any]]) -> str:
    """The timeline's list items, built with the standard library's ``html.escape``: with hundreds of
    entries this is many times cheaper than the template engine or ``format_html`` per row, and the
    incident page must stay fast however long its record grows (DESIGN §8)."""
    items = []
    acting_labels = {"leader": _("代理组长（代 %(name)s）"), "deputy": _("代理副组长（代 %(name)s）")}
    for row in rows:
        if "marks" in row:
            items.append(_marks_html(row))
            continue
        acting = (row.get("payload") or {}).get("acting_for")
        acting_note = (
            f' <span class="muted">{escape(acting_labels[acting["role"]] % {"name": acting["for"]})}</span>'
            if isinstance(acting, dict) and acting.get("role") in acting_labels
            else ""
        )
        moved = (
            f' <span class="muted">{escape(row["from_label"])} → {escape(row["to_label"])}</span>'
            if row["moved"]
            else ""
        )
        comment = f'<div class="comment">{escape(row["comment"])}</div>' if row["comment"] else ""
        items.append(
            f'<li class="kind-{escape(row["kind"])}"><span class="when">{row["when"]}</span> '
            f"<strong>{escape(row['label'])}</strong>{moved} · {escape(row['actor_name'])}{acting_note}"
            f"{comment}</li>"
        )
    return mark_safe("\n".join(items))  # noqa: S308 — every value above is escaped


AFTER_THE_PLAN = (State.TERMINATED, State.INVESTIGATING, State.CLOSED)


def measures_stopped_label(incident: Incident) -> str:
    """Once the plan has stopped running (``states.PLAN_RUNNING_STATES``: the termination approved), an open
    measure has no deadline left to count down to: it was not done when the plan ended — "终止时未完成",
    after the close "结案时未完成". ``""`` while the plan runs (or before it was activated)."""
    if plan_running(incident.state) or incident.state not in AFTER_THE_PLAN:
        return ""
    return _("结案时未完成") if incident.state == State.CLOSED else _("终止时未完成")


KIND_FORM_ID = "id_kind_form_%s"  # the kind correction's fields, apart from the event-start form's


def incident(
    *,
    user: Any,
    incident: Incident,
    regulator_form: forms.BaseForm | None = None,
    kind_form: forms.BaseForm | None = None,
) -> dict[str, Any]:
    """The incident page; ``regulator_form`` / ``kind_form``: the form as typed, when it was refused."""
    timeline = timeline_rows(incident=incident)
    checklist = list(selectors.checklist_of(incident=incident))
    for item in checklist:  # issue 13: only the owner, the lead group's lead or the Leadership Group
        item.may_complete = item.is_open and policies.may_complete_measure(  # type: ignore[attr-defined]
            incident, item, user
        )
    return {
        "incident": incident,
        "actor": team_selectors.actor_for(user),
        "transitions": sorted(
            (
                {
                    "name": name,
                    "label": presentation.TRANSITION_LABELS[name],
                    "secondary": name in presentation.STAND_DOWN_TRANSITIONS,
                }
                for name in selectors.available_transitions(incident=incident, user=user)
            ),
            key=lambda transition: transition["secondary"],
        ),
        "timeline": timeline,
        # newest first: the latest entry above the fold; runs of roll-call marks folded into one entry
        "timeline_html": timeline_html(grouped_marks(timeline)[::-1]),
        "checklist": checklist,
        "measures_stopped": measures_stopped_label(incident),
        "decisions": [entry for entry in timeline if entry["action"] in presentation.DECISION_TRANSITIONS],
        "required_slots": incident.required_approval_slots,
        "deadlines": with_labels(selectors.deadlines_for(incidents=[incident]).get(incident.pk, [])),
        "alerts": contributions.alerts_for_incidents([incident.pk]).get(incident.pk, []),
        "may_act": policies.may_act_on(incident, user),
        "extra_actions": contributions.incident_actions(incident, user),
        "may_regulator": policies.may_record_regulator_decision(incident, user),
        "update_form": ProgressUpdateForm(),
        "done_form": ChecklistDoneForm(),
        "regulator_form": dress(regulator_form) if regulator_form is not None else RegulatorDecisionForm(),
        **_regulator_deadlines(user=user, incident=incident),
        "kind_form": dress(
            kind_form
            if kind_form is not None
            else KindForm(initial={"kind": incident.kind}, auto_id=KIND_FORM_ID)
        ),
        "updates": list(selectors.updates_of(incident=incident)),
        "linked": list(selectors.linked_incidents(incident=incident)),
        "next_actor": presentation.next_actor(incident),
        "now": timezone.now(),
    }


def _regulator_deadlines(*, user: Any, incident: Incident) -> dict[str, Any]:
    """Issue 14: the regulator deadlines with a submission form each, and the event-start correction."""
    started = incident.started_at or incident.detected_at
    return {
        "may_correct_start": policies.may_correct_event_start(incident, user),
        "may_correct_kind": policies.may_correct_kind(incident, user),
        "kind_applies": kind_applies(plan=incident.plan, category=incident.category),
        "regulator_deadlines": [
            (
                deadline,
                dress(
                    RegulatorSubmissionForm(
                        initial={"submitted_at": timezone.localtime(), "channel": "phone"},
                        auto_id=f"id_deadline{deadline.pk}_%s",
                    )
                ),
            )
            for deadline in regulator.deadlines_of(incident=incident)
        ],
        "may_submit": policies.may_record_regulator_submission(incident, user),
        "may_waive": policies.may_waive_regulator_deadline(incident, user),
        "start_form": dress(EventStartForm(initial={"started_at": timezone.localtime(started)})),
    }


TERMINATION_MOVES = ("request_termination", "approve_termination", "reject_termination")


def transition(
    *, user: Any, incident: Incident, name: str, form: forms.BaseForm, back: str
) -> dict[str, Any]:
    return {
        "incident": incident,
        "name": name,
        "label": presentation.TRANSITION_LABELS[name],
        "form": dress(form),
        "may": name in selectors.available_transitions(incident=incident, user=user),
        "four_eyes": policies.four_eyes_refusal(incident, name, user),
        "next": back,
        # issue 12: a warning, not a block — termination may be requested, and the case closed, with
        # measures still open, and with people a roll call has not accounted for (the approver sees both;
        # docs/decisions.md)
        "open_items": (
            list(selectors.checklist_of(incident=incident).open())
            if name in ("request_termination", "close")
            else []
        ),
        "alerts": (
            contributions.alerts_for_incidents([incident.pk]).get(incident.pk, [])
            if name in TERMINATION_MOVES
            else []
        ),
    }


def inbox_refused(*, incident: Incident, name: str, form: forms.BaseForm, back: str) -> dict[str, Any]:
    """A decision from the inbox refused for its fields: the transition page with the form as typed."""
    return {
        "incident": incident,
        "name": name,
        "label": presentation.TRANSITION_LABELS[name],
        "form": dress(form),
        "may": True,
        "four_eyes": "",
        "next": back,
    }


def decided_first(*, incident: Incident, name: str, data: dict[str, Any]) -> dict[str, Any]:
    """Someone decided first (409): who decided what, when and with which grade, and what the loser typed,
    given back to reuse (issue 12)."""
    form = TRANSITION_FORMS[name](None, incident=incident)
    typed = []
    for field_name, value in data.items():
        field = form.fields.get(field_name)
        if field is None or value in (None, "", []):
            continue
        choices = dict(getattr(field, "choices", []) or [])
        shown = choices.get(value, value) if isinstance(value, str) else value
        typed.append({"label": field.label, "value": str(shown)})
    decision: TimelineEntry | None = selectors.latest_decision(incident=incident)
    return {
        "incident": incident,
        "label": presentation.TRANSITION_LABELS[name],
        "decision": decision,
        "decision_label": presentation.ACTION_LABELS.get(decision.action, decision.action)
        if decision
        else "",
        "typed": typed,
    }


# --- the approval inbox ----------------------------------------------------------------------------------


def inbox(*, user: Any) -> dict[str, Any]:
    """Only what still waits for the user's decision, newest first, as compact cards: the evidence, the
    open checklist items and the latest figures on a termination request, the decision forms folded."""
    waiting = selectors.decisions_waiting_for(user=user)
    incidents = [item["incident"] for item in waiting if item["kind"] == "incident"]
    evidence = selectors.termination_evidence(
        incidents=[i for i in incidents if i.state == State.TERMINATION_REQUESTED]
    )
    figures = contributions.latest_figures() if evidence else None
    # who a roll call has not accounted for, for every card at once (one query per source, not per card)
    alerts = contributions.alerts_for_incidents(incident.pk for incident in incidents)
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
                "round_approvals": selectors.approvals_in_round(incident=incident),
                "next_actor": presentation.next_actor(incident),
                "alerts": alerts.get(incident.pk, []),
                **evidence.get(incident.pk, {}),
            }
        )
    return {"cards": cards, "figures": figures}


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
