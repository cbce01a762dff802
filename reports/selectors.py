"""Reads for investigations, drills and statistics (DESIGN §6), and the computed answers the
post-incident report is built from (the report itself: ``reports.post_incident``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from escalation import selectors as escalation_selectors
from incidents import regulator
from incidents import selectors as incident_selectors
from incidents.models import Incident, State, TimelineEntry
from monitoring import selectors as monitoring_selectors
from teams.selectors import actor_for

from .models import CorrectiveAction, DrillRecord, FinalReport, Investigation

MAX_SERIES_POINTS = 200  # two days of 15-minute intervals

# Timeline actions that count as a warning raised about the event (Art. 7): the declaration in 监测预警,
# and an early-warning rule firing on an incident that is already open (written by the monitoring app).
WARNING_ACTIONS = ("declare", "early_warning")
# The four times a response is measured by, from the incident's own timestamps (DESIGN §6, Art. 6).
DURATIONS = {
    "report": ("detected_at", "reported_at"),
    "decide": ("reported_at", "decided_at"),
    "activate": ("detected_at", "activated_at"),
    "terminate": ("activated_at", "terminated_at"),
}


def iso(value: datetime | None) -> str | None:
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
        "first_warning_at": iso(first.at) if first else None,
        "event_started_at": iso(started),
        "lead_minutes": _minutes(first.at, started) if first else None,
        "evidence": [
            {"seq": entry.seq, "at": iso(entry.at), "action": entry.action, "hash": entry.hash}
            for entry in warnings
        ],
    }


def late_report_of(*, incident: Incident, entries: list[TimelineEntry] | None = None) -> dict[str, Any]:
    """Late reporting (缓报, Art. 21): detection to the first ``report`` over the ``late_report`` policy's
    threshold — one threshold, the escalation app's. Its flag, measured when the report landed, is the
    answer; an incident reported before that flag existed is measured here from the timeline against the
    same policy."""
    flagged = escalation_selectors.late_report_of(incident)
    if flagged is not None:
        return {
            "late": bool(flagged["is_late"]),
            "minutes": round(flagged["delay_seconds"] / 60, 1),
            "threshold_minutes": round(flagged["threshold_seconds"] / 60, 1),
            "evidence_seq": _report_entry_seq(incident, entries),
            "source": "escalation",
        }
    if entries is None:
        entries = list(incident_selectors.timeline_of(incident=incident))
    reported = next((entry for entry in entries if entry.action == "report"), None)
    minutes = _minutes(incident.detected_at, reported.at) if reported else None
    threshold_seconds = escalation_selectors.late_report_threshold_seconds(incident)
    threshold = round(threshold_seconds / 60, 1) if threshold_seconds is not None else None
    return {
        "late": minutes is not None and threshold is not None and minutes > threshold,
        "minutes": minutes,
        "threshold_minutes": threshold,
        "evidence_seq": reported.seq if reported else None,
        "source": "timeline",
    }


def _report_entry_seq(incident: Incident, entries: list[TimelineEntry] | None) -> int | None:
    if entries is not None:
        return next((entry.seq for entry in entries if entry.action == "report"), None)
    return (
        TimelineEntry.objects.filter(incident=incident, action="report")
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )


def answer_rate_impact_of(*, incident: Incident) -> dict[str, Any] | None:
    """The answer-rate figures around the incident, a summary of the monitoring app's
    ``chart_for_incident`` series; ``None`` means there are no figures for this incident and the
    investigators fill the impact in by hand."""
    series = monitoring_selectors.chart_for_incident(incident=incident)
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
    """Each regulator deadline (phone report, written report, …) with how it ended and its evidence: met,
    met late (with the delay), missed (waived, with the reason and both deciders), or still open."""
    rows = []
    for deadline in regulator.deadlines_of(incident=incident):
        delay = deadline.delay
        rows.append(
            {
                "kind": deadline.kind,
                "due_at": iso(deadline.due_at),
                "outcome": deadline.outcome,
                "overdue": deadline.is_open and deadline.due_at < timezone.now(),
                "submitted_at": iso(deadline.submitted_at),
                "submitted_by": deadline.submitted_by_name,
                "channel": deadline.channel,
                "office": deadline.office,
                "reference": deadline.reference,
                "document": (
                    {"name": deadline.document.name, "sha256": deadline.document.sha256}
                    if deadline.document
                    else None
                ),
                "delay_minutes": int(delay.total_seconds() // 60) if delay else None,
                "waiver": (
                    {
                        "reason": deadline.waiver_reason,
                        "requested_by": deadline.waiver_requested_by_name,
                        "approved_by": deadline.waiver_approved_by_name,
                        "approved_at": iso(deadline.waiver_approved_at),
                    }
                    if deadline.waiver_requested_at
                    else None
                ),
            }
        )
    return rows


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


# --- overdue actions ------------------------------------------------------------------------------------


def overdue_actions(*, today: date | None = None) -> QuerySet[CorrectiveAction]:
    today = today or timezone.localdate()
    return (
        CorrectiveAction.objects.exclude(status=CorrectiveAction.Status.DONE)
        .filter(due_date__lt=today)
        .select_related("owner", "investigation__incident")
    )


def may_read_reports(*, user: Any) -> bool:
    """Reports and statistics are for the emergency organisation and its auditors (DESIGN §1)."""
    return actor_for(user).may_read_desk


def incident_id_of_action(*, action_id: int) -> int | None:
    return (
        CorrectiveAction.objects.filter(pk=action_id)
        .values_list("investigation__incident_id", flat=True)
        .first()
    )


def investigation_record(*, incident: Incident) -> Investigation | None:
    return Investigation.objects.filter(incident=incident).select_related("updated_by__person").first()


def actions_of(*, incident: Incident) -> QuerySet[CorrectiveAction]:
    return CorrectiveAction.objects.filter(investigation__incident=incident).order_by("due_date", "id")


def drill_record_of(*, incident: Incident) -> DrillRecord | None:
    return DrillRecord.objects.filter(incident=incident).first()


def final_report_of(*, incident: Incident) -> FinalReport | None:
    return FinalReport.objects.filter(incident=incident).first()


# --- what the incident page offers of the investigation (registered in ``apps.py``, issue 12) -------------


def investigation_actions(incident: Incident, user: Any) -> list[dict[str, str]]:
    """The investigation form, offered on the incident page to whoever may write it."""
    if incident.state == State.INVESTIGATING and may_write_investigation(incident=incident, user=user):
        return [
            {"label": str(_("填写调查报告")), "url": reverse("reports:investigation", args=[incident.pk])}
        ]
    return []
