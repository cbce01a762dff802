"""Firing timers: at most once, incident row locked first, re-checked against the incident's state."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Incident
from incidents.policies import SYSTEM_USER

from ..models import Timer, TimerKind
from ..states import keeps
from .measure_clocks import fire_measure_overdue
from .notifications import notifications_requeue, notify
from .timers import FIRE_MAX_ATTEMPTS, OUTAGE_REPORT_REASON, _pending, timers_nudge_upcoming

logger = logging.getLogger(__name__)
K = TimerKind

# --- firing ----------------------------------------------------------------------------------------------


def _fire_notify(timer: Timer, incident: Incident) -> str:
    payload = timer.payload
    context = {**payload.get("context", {}), "step": payload.get("step", 1), "label": timer.label}
    rows = notify(
        incident=incident,
        audience=payload.get("audience", []),
        event=payload.get("event") or timer.kind,
        context=context,
        timer=timer,
    )
    return f"notified {len(rows)}"


def _fire_outage_warning(timer: Timer, incident: Incident) -> str:
    payload = timer.payload
    rows = notify(
        incident=incident,
        audience=payload["audience"],
        event="outage_warning",
        context={
            "system": payload.get("system", ""),
            "minutes": payload["after_seconds"] // 60,
            "limit_minutes": payload["limit_seconds"] // 60,
        },
        timer=timer,
    )
    return f"warned {len(rows)}"


def _fire_outage_limit(timer: Timer, incident: Incident) -> str:
    """Art. 2: still down at the limit → the system reports to the Leadership Group through the same service
    a person uses, then tells the Leadership Group."""
    limit_minutes = timer.payload["limit_seconds"] // 60
    system = timer.payload.get("system") or incident.affected_system
    incident_services.incident_transition(
        incident_id=incident.pk,
        name="report",
        user=SYSTEM_USER,
        data={
            "situation": (
                f"系统中断（{system or incident.title}）已持续 {limit_minutes} 分钟仍未恢复，系统自动上报。"
            ),
            "impact": incident.impact or incident.description or "系统中断，客户无法正常接入。",
            "category": incident.category,
            "grade": incident.grade,
            "comment": OUTAGE_REPORT_REASON,
        },
    )
    incident = Incident.objects.select_related("lead_group").get(pk=incident.pk)  # protected FSM field
    rows = notify(
        incident=incident,
        audience=timer.payload.get("audience", ["leadership"]),
        event="outage_reported",
        context={"system": system, "limit_minutes": limit_minutes},
        timer=timer,
    )
    return f"reported; notified {len(rows)}"


def _fire_nothing(timer: Timer, incident: Incident) -> str:
    return "ended"


def _fire_ack_silent(timer: Timer, incident: Incident) -> str:
    from .. import acks

    return acks.fire_silent(timer=timer, incident=incident)


TimerHandler = Callable[[Timer, Incident], str]

HANDLERS: dict[str, TimerHandler] = {
    K.OUTAGE_WARNING: _fire_outage_warning,
    K.OUTAGE_LIMIT: _fire_outage_limit,
    K.POST_EVENT_WATCH: _fire_nothing,
    K.ACK_SILENT: _fire_ack_silent,
    K.MEASURE_OVERDUE: fire_measure_overdue,
    K.AFTER_EVENT_OVERDUE: fire_measure_overdue,
}


def timer_handler(kind: str, handler: TimerHandler) -> None:
    """An app above registers what a timer of its own kind does when it fires (in its ``apps.py``
    ``ready()``): called in the firing transaction, with the incident locked; returns the outcome."""
    HANDLERS[kind] = handler


# Timers about no incident (the desk's own clocks: the nightly emergency pack). The app above that owns the
# action registers it the same way; fired by the same sweep, at most once, with the same retries.
SYSTEM_HANDLERS: dict[str, Callable[[Timer], str]] = {}


def register_system_timer(kind: str, handler: Callable[[Timer], str]) -> None:
    SYSTEM_HANDLERS[kind] = handler


def _system_action(timer: Timer) -> str:
    handler = SYSTEM_HANDLERS.get(timer.kind)
    if handler is None:
        raise LookupError(f"no handler registered for system timer kind {timer.kind!r}")
    return handler(timer)


def timer_fire(*, timer_id: int, token: str | None = None, wait: bool = True) -> str:
    """Fire one due timer, at most once. Locks the incident, then the timer (the order every state change
    uses, so no deadlock), re-checks it is pending, due and still about the incident's state, acts and sets
    ``fired_at`` in the same transaction. ``wait=False`` (the sweep) skips an incident someone is changing."""
    head = (
        Timer.objects.filter(pk=timer_id)
        .values("incident_id", "token", "fired_at", "cancelled_at", "due_at")
        .first()
    )
    if head is None:
        return "missing"
    if token is not None and str(head["token"]) != token:
        return "superseded"
    if head["fired_at"] or head["cancelled_at"]:
        return "done"
    now = timezone.now()
    if head["due_at"] > now:
        return "not_due"
    system = head["incident_id"] is None  # the desk's own clock: no incident to lock
    lock = nullcontext(None) if system else incident_services.incident_locked(head["incident_id"], wait=wait)
    with transaction.atomic(), lock as incident:
        if incident is None and not system:
            return "busy"
        timer = (
            Timer.objects.select_for_update(skip_locked=True)
            .filter(_pending(), pk=timer_id, due_at__lte=now)
            .first()
        )
        if timer is None:
            return "done"
        now = timezone.now()
        timer.attempts += 1
        if incident is not None and not keeps(timer.kind, incident.state):
            timer.cancelled_at = now
            timer.outcome = f"state is {incident.state}"
            timer.save(update_fields=["cancelled_at", "outcome", "attempts"])
            return "obsolete"
        timer.fired_at = now
        timer.save(
            update_fields=["fired_at", "attempts"]
        )  # before acting: a transition cancels only unfired rows
        try:
            with transaction.atomic():
                if incident is None:
                    outcome = _system_action(timer)
                else:
                    outcome = HANDLERS.get(timer.kind, _fire_notify)(timer, incident)
        except Exception as exc:  # the action failed: retry a few times, then leave it visible as failed
            logger.exception("timer %s (%s) failed", timer.pk, timer.kind)
            timer.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            if timer.attempts < FIRE_MAX_ATTEMPTS:
                timer.fired_at = None
                timer.due_at = now + timedelta(seconds=settings.ESCALATION_SWEEP_SECONDS * timer.attempts)
                timer.nudged_at = None
                outcome = "retry"
            else:
                outcome = "failed"
            timer.outcome = outcome
            timer.save(update_fields=["fired_at", "due_at", "nudged_at", "last_error", "outcome"])
            return outcome
        timer.outcome = outcome[:200]
        timer.save(update_fields=["outcome"])
        return "fired"


def timers_sweep(
    *, now: datetime | None = None, batch: int = 200, budget_seconds: float = 20.0
) -> dict[str, int]:
    """The engine: fire every due timer (skipping incidents being changed right now — the next sweep or the
    nudge gets them), nudge those due within the horizon, and requeue notifications whose message was lost."""
    started = timezone.now()
    counts: dict[str, int] = {}
    while True:
        now = timezone.now()
        due = list(
            Timer.objects.filter(_pending(), due_at__lte=now)
            .order_by("due_at")
            .values_list("id", flat=True)[:batch]
        )
        for timer_id in due:
            outcome = timer_fire(timer_id=timer_id, wait=False)
            counts[outcome] = counts.get(outcome, 0) + 1
        if len(due) < batch or (timezone.now() - started).total_seconds() > budget_seconds:
            break
    counts["nudged"] = timers_nudge_upcoming()
    counts["requeued"] = notifications_requeue()
    return counts
