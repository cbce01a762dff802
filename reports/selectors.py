"""Reads for investigations, the post-incident report, drills and statistics (DESIGN §6).

The report is built from the record as a plain, language-neutral dict (codes, UTC ISO times), so that its
canonical JSON — and therefore its SHA-256 — is the same whatever language it is read in. Templates turn
codes into words.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import selectors as incident_selectors
from incidents.models import ChecklistItem, Incident, State, TimelineEntry
from teams.selectors import actor_for

from .models import CorrectiveAction, DrillRecord, FinalReport, Investigation, ResponsiblePerson

REPORT_FORMAT = "emergency-desk/post-incident-report/v1"
MAX_SERIES_POINTS = 200  # two days of 15-minute intervals

# Timeline actions that count as a warning raised about the event (Art. 7): the declaration in 监测预警,
# and an early-warning rule firing on an incident that is already open (written by the monitoring app).
WARNING_ACTIONS = ("declare", "early_warning")
DECISION_ACTIONS = (
    "report",
    "activate",
    "decline",
    "execute",
    "request_termination",
    "approve_termination",
    "reject_termination",
    "investigate",
    "close",
)
# The four times a response is measured by, from the incident's own timestamps (DESIGN §6, Art. 6).
DURATIONS = {
    "report": ("detected_at", "reported_at"),
    "decide": ("reported_at", "decided_at"),
    "activate": ("detected_at", "activated_at"),
    "terminate": ("activated_at", "terminated_at"),
}


def _optional_module(name: str) -> Any:
    """Another app's selectors, if that app provides them yet (they are being built alongside)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 1)


# --- who may read and write --------------------------------------------------------------------------


def incident_for_report(*, user: Any, incident_id: int) -> Incident | None:
    """The incident if this user may read its report (everyone who reads incidents, auditors included)."""
    return incident_selectors.incidents_visible_to(user=user).filter(pk=incident_id).first()


def may_write_investigation(*, incident: Incident, user: Any) -> bool:
    """Leader, deputy, or one of the investigators named at ``investigate``; never an auditor (Art. 19)."""
    actor = actor_for(user)
    if actor.is_read_only:
        return False
    if actor.is_leadership_decider:
        return True
    return actor.person_id is not None and incident.investigators.filter(pk=actor.person_id).exists()


# --- computed answers ---------------------------------------------------------------------------------


def early_warning_of(*, incident: Incident, entries: list[TimelineEntry] | None = None) -> dict[str, Any]:
    """Was an early warning raised in advance (Art. 19)? The first warning on the timeline against the event
    start; ``in_advance`` only when the warning came strictly before the event began."""
    if entries is None:
        entries = list(incident_selectors.timeline_of(incident=incident))
    warnings = [entry for entry in entries if entry.action in WARNING_ACTIONS]
    first = min(warnings, key=lambda entry: (entry.at, entry.seq)) if warnings else None
    started = incident.started_at or incident.detected_at
    answer = "no_warning" if first is None else "in_advance" if first.at < started else "not_in_advance"
    return {
        "answer": answer,
        "first_warning_at": _iso(first.at) if first else None,
        "event_started_at": _iso(started),
        "lead_minutes": _minutes(first.at, started) if first else None,
        "evidence": [
            {"seq": entry.seq, "at": _iso(entry.at), "action": entry.action, "hash": entry.hash}
            for entry in warnings
        ],
    }


def late_report_of(*, incident: Incident, entries: list[TimelineEntry] | None = None) -> dict[str, Any]:
    """Late reporting (缓报, Art. 21): detection to the first ``report`` over ``LATE_REPORT_MINUTES``.

    The escalation app owns the late-report flag (``escalation.selectors.late_report_of``); until it provides
    one this is computed here from the timeline, and the investigation is pre-filled from whichever answers.
    """
    escalation_selectors = _optional_module("escalation.selectors")
    threshold = settings.LATE_REPORT_MINUTES
    if entries is None:
        entries = list(incident_selectors.timeline_of(incident=incident))
    reported = next((entry for entry in entries if entry.action == "report"), None)
    minutes = _minutes(incident.detected_at, reported.at) if reported else None
    computed = {
        "late": minutes is not None and minutes > threshold,
        "minutes": minutes,
        "threshold_minutes": threshold,
        "evidence_seq": reported.seq if reported else None,
        "source": "timeline",
    }
    escalation_answer = getattr(escalation_selectors, "late_report_of", None)
    flagged = escalation_answer(incident) if escalation_answer is not None else None
    if isinstance(flagged, dict) and "is_late" in flagged:
        # The escalation app's flag, measured when the report landed against the policy of the day.
        return {
            **computed,
            "late": bool(flagged["is_late"]),
            "minutes": round(flagged["delay_seconds"] / 60, 1)
            if flagged.get("delay_seconds") is not None
            else minutes,
            "threshold_minutes": round(flagged["threshold_seconds"] / 60, 1)
            if flagged.get("threshold_seconds") is not None
            else threshold,
            "source": "escalation",
        }
    return computed


def answer_rate_impact_of(*, incident: Incident) -> dict[str, Any] | None:
    """The answer-rate figures around the incident, from the monitoring app when it offers them (its
    ``answer_rate_impact``, or a summary of its ``chart_for_incident`` series); ``None`` means there are no
    figures for this incident and the investigators fill the impact in by hand."""
    monitoring_selectors = _optional_module("monitoring.selectors")
    read = getattr(monitoring_selectors, "answer_rate_impact", None)
    if read is not None:
        figures = read(incident=incident)
        return figures if isinstance(figures, dict) else None
    chart = getattr(monitoring_selectors, "chart_for_incident", None)
    series = chart(incident=incident) if chart is not None else None
    if not isinstance(series, dict) or not series.get("points"):
        return None
    points = series["points"]
    answer_rates = [p["answer_rate"] for p in points if p.get("answer_rate") is not None]
    service_levels = [p["service_level"] for p in points if p.get("service_level") is not None]
    return {
        "queue": series.get("queue"),
        "from": series.get("from"),
        "to": series.get("to"),
        "intervals": len(points),
        "lowest_answer_rate_percent": min(answer_rates) if answer_rates else None,
        "lowest_service_level_percent": min(service_levels) if service_levels else None,
        "intervals_with_warnings": sum(1 for p in points if p.get("warnings")),
        "calls_offered": sum(p.get("offered") or 0 for p in points),
        # The series itself, so the report (and its PDF) can draw the answer rate around the incident.
        "series": [
            {"at": p.get("at"), "answer_rate": p.get("answer_rate"), "service_level": p.get("service_level")}
            for p in points[-MAX_SERIES_POINTS:]
        ],
    }


def regulator_deadlines_of(*, incident: Incident) -> list[dict[str, Any]]:
    """The regulator-report clocks the escalation app ran for this incident (phone report, written report,
    …): each deadline, and whether it fired or was cancelled. Empty until that app provides ``timers_of``."""
    timers_of = getattr(_optional_module("escalation.selectors"), "timers_of", None)
    if timers_of is None:
        return []
    return [
        {
            "kind": timer.kind,
            "due_at": _iso(timer.due_at),
            "fired_at": _iso(timer.fired_at),
            "cancelled_at": _iso(timer.cancelled_at),
        }
        for timer in timers_of(incident=incident)
        if timer.kind.startswith("regulator_") and timer.kind != "regulator_decision_missing"
    ]


def duration_minutes_of(*, incident: Incident) -> float | None:
    """How long the event lasted: from its start to termination (or to now while it runs)."""
    return _minutes(incident.started_at or incident.detected_at, incident.terminated_at)


def drill_score(*, incident: Incident) -> dict[str, Any]:
    """Score a drill against the plan's targets (Art. 6): 25 points per measure when met, proportionally
    less when missed, 0 when the step never happened. Total 0–100."""
    targets = settings.DRILL_TARGET_MINUTES
    measures = []
    total = 0.0
    for name, (start, end) in DURATIONS.items():
        actual = _minutes(getattr(incident, start), getattr(incident, end))
        target = targets.get(name)
        if actual is None or target is None:
            points = 0.0
        elif actual <= target:
            points = 25.0
        else:
            points = round(25.0 * target / actual, 1)
        total += points
        measures.append(
            {
                "measure": name,
                "actual_minutes": actual,
                "target_minutes": target,
                "met": actual is not None and target is not None and actual <= target,
                "points": points,
            }
        )
    return {"measures": measures, "score": round(total, 1)}


# --- the report -----------------------------------------------------------------------------------------


def _person(person: Any) -> dict[str, Any] | None:
    return {"id": person.pk, "name": person.name} if person else None


def _user_name(user: Any) -> str | None:
    """The person's name for a user joined with ``__person`` (no query), else the login name."""
    if user is None:
        return None
    person = getattr(user, "person", None)
    return person.name if person is not None else user.get_username()


def _decimal(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def investigation_of(*, incident: Incident) -> Investigation | None:
    return (
        Investigation.objects.filter(incident=incident)
        .prefetch_related(
            Prefetch("responsible", queryset=ResponsiblePerson.objects.select_related("person")),
            Prefetch("actions", queryset=CorrectiveAction.objects.select_related("owner")),
        )
        .first()
    )


def report_content(*, incident: Incident) -> dict[str, Any]:
    """Build the post-incident report from the record (DESIGN §6). Language-neutral and deterministic."""
    incident = (
        Incident.objects.select_related(
            "lead_group",
            "on_scene_commander",
            "reported_by",
            "declared_by",
            "regulator_decided_by__person",
            "termination_requested_by",
        )
        .prefetch_related("investigators")
        .get(pk=incident.pk)
    )
    entries = list(incident_selectors.timeline_of(incident=incident))
    investigation = investigation_of(incident=incident)
    today = timezone.localdate()
    late = late_report_of(incident=incident, entries=entries)
    monitoring_impact = answer_rate_impact_of(incident=incident)

    timeline = [
        {
            "seq": entry.seq,
            "at": _iso(entry.at),
            "actor": entry.actor_name,
            "role": entry.actor_role,
            "kind": entry.kind,
            "action": entry.action,
            "from_state": entry.from_state,
            "to_state": entry.to_state,
            "comment": entry.comment,
            "hash": entry.hash,
        }
        for entry in entries
    ]
    decisions = [
        {
            "seq": entry.seq,
            "at": _iso(entry.at),
            "who": entry.actor_name,
            "role": entry.actor_role,
            "action": entry.action,
            "to_state": entry.to_state,
            "why": entry.comment,
            "details": {
                key: value
                for key, value in entry.payload.items()
                if key in ("grade", "plan", "damage_degree", "damage_scale", "slot", "missing", "reason")
            },
        }
        for entry in entries
        if entry.action in DECISION_ACTIONS
    ]
    approvals = [
        {
            "round": approval.round,
            "slot": approval.slot,
            "decision": approval.decision,
            "who": approval.approver_name,
            "at": _iso(approval.at),
            "comment": approval.comment,
        }
        for approval in incident.approvals.order_by("round", "at")
    ]
    measures = [
        {
            "title": item.title,
            "article": item.article,
            "owner": item.owner.name if item.owner else None,
            "due_at": _iso(item.due_at),
            "done_at": _iso(item.done_at),
            "done_by": _user_name(item.done_by),
            "evidence": item.evidence,
        }
        for item in ChecklistItem.objects.filter(incident=incident)
        .select_related("owner", "done_by__person")
        .order_by("position", "due_at")
    ]
    updates = [
        {"at": _iso(entry.at), "who": entry.actor_name, "text": entry.comment}
        for entry in entries
        if entry.action == "progress_update"
    ]
    regulator_events = [
        {"seq": entry.seq, "at": _iso(entry.at), "action": entry.action, "comment": entry.comment}
        for entry in entries
        if entry.action.startswith("regulator")
    ]
    investigation_part: dict[str, Any] = {"present": investigation is not None}
    responsible: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    if investigation is not None:
        investigation_part.update(
            direct_cause=investigation.direct_cause,
            root_cause=investigation.root_cause,
            is_internal_cause=investigation.is_internal_cause,
            consequences=investigation.consequences,
            missing=investigation.missing_fields(),
        )
        responsible = [
            {
                "name": item.name,
                "person": _person(item.person),
                "responsibility": item.responsibility,
                "description": item.description,
            }
            for item in investigation.responsible.all()
        ]
        actions = [
            {
                "id": action.pk,
                "kind": action.kind,
                "title": action.title,
                "owner": _person(action.owner),
                "due_date": action.due_date.isoformat(),
                "status": action.status,
                "closure_evidence": action.closure_evidence,
                "done_at": _iso(action.done_at),
                "retest": action.retest,
                "retest_note": action.retest_note,
                "overdue": action.is_overdue(today),
            }
            for action in investigation.actions.all()
        ]

    content: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "incident": {
            "id": incident.pk,
            "title": incident.title,
            "category": incident.category,
            "plan": incident.plan,
            "lead_group": incident.lead_group.code if incident.lead_group else None,
            "grade": incident.grade,
            "grade_evidence": incident.grade_evidence,
            "is_drill": incident.is_drill,
            "state": incident.state,
            "affected_system": incident.affected_system,
            "source": incident.source,
            "description": incident.description,
            "situation": incident.situation,
            "impact": incident.impact,
            "damage_degree": incident.damage_degree,
            "damage_scale": incident.damage_scale,
            "on_scene_commander": _person(incident.on_scene_commander),
            "resolution_summary": incident.resolution_summary,
            "investigators": [_person(person) for person in incident.investigators.all()],
            "times": {
                name: _iso(getattr(incident, f"{name}_at"))
                for name in (
                    "detected",
                    "started",
                    "reported",
                    "decided",
                    "activated",
                    "executing",
                    "termination_requested",
                    "terminated",
                    "investigating",
                    "closed",
                )
            },
            "termination_deadline": _iso(incident.termination_deadline),
        },
        "early_warning": early_warning_of(incident=incident, entries=entries),
        "timeline": timeline,
        "timeline_head": entries[-1].hash if entries else None,
        "decisions": decisions,
        "approvals": approvals,
        "measures": measures,
        "progress_updates": updates,
        "regulator": {
            "decision": incident.regulator_decision,
            "decided_at": _iso(incident.regulator_decided_at),
            "decided_by": _user_name(incident.regulator_decided_by),
            "deadlines": regulator_deadlines_of(incident=incident),
            "events": regulator_events,
        },
        "investigation": investigation_part,
        "consequences": {
            "customers_affected": investigation.customers_affected if investigation else None,
            "financial_loss": _decimal(investigation.financial_loss) if investigation else None,
            "duration_minutes": duration_minutes_of(incident=incident),
            "answer_rate_impact": monitoring_impact
            if monitoring_impact is not None
            else (investigation.answer_rate_impact if investigation else ""),
            "answer_rate_source": "monitoring" if monitoring_impact is not None else "manual",
        },
        "findings": {
            "late_report": {
                **late,
                "finding": investigation.late_report
                if investigation and investigation.late_report is not None
                else late["late"],
            },
            "concealed_report": investigation.concealed_report if investigation else False,
            "false_report": investigation.false_report if investigation else False,
            "measures_not_taken": investigation.measures_not_taken if investigation else "",
            "orders_refused": investigation.orders_refused if investigation else "",
            "note": investigation.findings_note if investigation else "",
            "discipline": investigation.discipline if investigation else "",
            "police_referral": investigation.police_referral if investigation else False,
            "police_referral_note": investigation.police_referral_note if investigation else "",
        },
        "responsibilities": responsible,
        "actions": actions,
        "lessons": investigation.lessons_learned if investigation else "",
        "drill": drill_of(incident=incident) if incident.is_drill else None,
    }
    return content


def canonical_json(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def report_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def report_for(*, incident: Incident) -> dict[str, Any]:
    """The report to show: the frozen one once the case is closed, else a live draft built now."""
    final = FinalReport.objects.filter(incident=incident).first()
    if final is not None:
        return {"final": True, "sha256": final.sha256, "content": final.content, "closed_at": final.closed_at}
    content = report_content(incident=incident)
    return {"final": False, "sha256": report_hash(content), "content": content, "closed_at": None}


def drill_of(*, incident: Incident) -> dict[str, Any]:
    record = DrillRecord.objects.filter(incident=incident).prefetch_related("participants").first()
    return {
        "held_at": _iso(record.held_at if record else incident.started_at or incident.detected_at),
        "content": record.content if record else "",
        "participants": [_person(person) for person in record.participants.all()] if record else [],
        "participants_note": record.participants_note if record else "",
        "evaluation": record.evaluation if record else "",
        **drill_score(incident=incident),
    }


# --- overdue actions ------------------------------------------------------------------------------------


def overdue_actions(*, today: date | None = None) -> QuerySet[CorrectiveAction]:
    today = today or timezone.localdate()
    return (
        CorrectiveAction.objects.exclude(status=CorrectiveAction.Status.DONE)
        .filter(due_date__lt=today)
        .select_related("owner", "investigation__incident")
    )


def actions_due_for_reminder(*, now: datetime, every: timedelta) -> QuerySet[CorrectiveAction]:
    """Overdue actions of cases still open to writing, not reminded within ``every``."""
    return (
        overdue_actions(today=timezone.localdate(now))
        .exclude(investigation__incident__state=State.CLOSED)
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=now - every))
        .order_by("due_date", "id")
    )


def may_read_reports(*, user: Any) -> bool:
    """Reports and statistics are for the emergency organisation and its auditors (DESIGN §1)."""
    actor = actor_for(user)
    return bool(
        actor.is_auditor
        or actor.is_admin
        or actor.in_leadership_group
        or actor.in_any_working_group
        or actor.parties
    )


def incident_id_of_action(*, action_id: int) -> int | None:
    return (
        CorrectiveAction.objects.filter(pk=action_id)
        .values_list("investigation__incident_id", flat=True)
        .first()
    )


# --- what the incidents pages show of the investigation (registered in ``apps.py``, issue 12) -------------


def investigation_actions(incident: Incident, user: Any) -> list[dict[str, str]]:
    """The investigation form, offered on the incident page to whoever may write it."""
    if incident.state == State.INVESTIGATING and may_write_investigation(incident=incident, user=user):
        return [
            {"label": str(_("填写调查报告")), "url": reverse("reports:investigation", args=[incident.pk])}
        ]
    return []


def investigations_waiting_for(user: Any) -> list[dict[str, Any]]:
    """Open investigations this user was named to (Art. 19): shown in the approval inbox."""
    actor = actor_for(user)
    if actor.is_read_only or actor.person_id is None:
        return []
    return [
        {
            "kind": "investigation",
            "incident": incident,
            "since": incident.investigating_at or incident.updated_at,
        }
        for incident in Incident.objects.filter(state=State.INVESTIGATING, investigators=actor.person_id)
    ]
