"""Timer rows (DESIGN §5): written in the caller's transaction, nudged after commit, cancelled when the
incident leaves the states they are about."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Escalation, Timer, TimerKind
from ..states import stale_kinds

K = TimerKind

REGULATOR_DEADLINE_KINDS = (
    K.REGULATOR_PHONE_REPORT,
    K.REGULATOR_WRITTEN_REPORT,
    K.REGULATOR_IMPORTANT_SYSTEM,
    K.REGULATOR_MAJOR_RISK,
)
OUTAGE_KINDS = (K.OUTAGE_WARNING, K.OUTAGE_LIMIT)
OUTAGE_REPORT_REASON = "outage exceeded 60 minutes"
FIRE_MAX_ATTEMPTS = 3


def _pending() -> Q:
    return Q(fired_at__isnull=True, cancelled_at__isnull=True)


def timer_schedule(
    *,
    incident: Any,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
    escalation: Escalation | None = None,
) -> Timer:
    """Write a timer in the caller's transaction. If it is due soon, a nudge is sent after commit."""
    now = timezone.now()
    horizon = settings.ESCALATION_NUDGE_HORIZON_SECONDS
    soon = horizon > 0 and due_at <= now + timedelta(seconds=horizon)
    timer = Timer.objects.create(
        incident=incident,
        escalation=escalation,
        kind=kind,
        due_at=due_at,
        payload=payload or {},
        nudged_at=now if soon else None,
    )
    if soon:
        _nudge_on_commit([(timer.pk, str(timer.token), due_at)])
    return timer


def _nudge_on_commit(nudges: list[tuple[int, str, datetime]]) -> None:
    def send() -> None:
        from .. import tasks

        for timer_id, token, due_at in nudges:
            tasks.timer_fire.apply_async((timer_id, token), eta=due_at)

    # robust: the broker being down must not turn a committed state change into an error; the sweep fires it.
    transaction.on_commit(send, robust=True)


def timers_cancel(
    *, incident: Any, kinds: Iterable[str] | None = None, at: datetime | None = None, reason: str = ""
) -> int:
    """Cancel the incident's pending timers (of these kinds), and end the escalations they belong to."""
    at = at or timezone.now()
    timers = Timer.objects.filter(_pending(), incident=incident)
    escalations = Escalation.objects.filter(incident=incident, ended_at__isnull=True)
    if kinds is not None:
        kinds = list(kinds)
        timers = timers.filter(kind__in=kinds)
        escalations = escalations.filter(kind__in=kinds)
    escalations.update(ended_at=at, end_reason=reason[:100])
    return timers.update(cancelled_at=at, outcome=reason[:200])


def timers_cancel_out_of_state(*, incident: Any, reason: str) -> int:
    """After a transition: cancel every timer the incident's new state does not keep (``states.CLOCKS``)."""
    return timers_cancel(incident=incident, kinds=stale_kinds(incident.state), reason=reason)


def timers_nudge_upcoming() -> int:
    """Send an ETA nudge for timers due within the horizon that have none yet (short ETAs only: Celery's
    ETA tasks live in worker memory and Redis redelivers long ones after ``visibility_timeout``). A horizon of
    0 turns the nudges off: the sweep alone fires every timer (what the scheduler benchmark measures)."""
    if settings.ESCALATION_NUDGE_HORIZON_SECONDS <= 0:
        return 0
    horizon = timezone.now() + timedelta(seconds=settings.ESCALATION_NUDGE_HORIZON_SECONDS)
    with transaction.atomic():
        rows = list(
            Timer.objects.select_for_update(skip_locked=True)
            .filter(_pending(), nudged_at__isnull=True, due_at__lte=horizon)
            .values_list("id", "token", "due_at")[:2000]
        )
        if rows:
            Timer.objects.filter(pk__in=[r[0] for r in rows]).update(nudged_at=timezone.now())
            _nudge_on_commit([(pk, str(token), due) for pk, token, due in rows])
    return len(rows)


def timers_forget_nudges() -> int:
    """A worker (re)started: ETA nudges held in a dead worker's memory are gone, so let the sweep re-nudge.
    A duplicate nudge is harmless — the fencing token and ``fired_at`` make it a no-op."""
    return Timer.objects.filter(_pending(), nudged_at__isnull=False).update(nudged_at=None)


# --- clocks about one record of an app above (a corrective action, a complaint clock, …) ---------------


def record_clock_start(
    *, incident: Any, kind: str, record_id: int, due_at: datetime, payload: dict[str, Any] | None = None
) -> Timer:
    """(Re)start the clock of one record: its pending timer of this kind is cancelled and a new one written
    (``payload["record"]`` names the record; the kind's handler, registered by the record's app, acts)."""
    record_clock_stop(incident=incident, kind=kind, record_id=record_id, reason="restarted")
    return timer_schedule(
        incident=incident, kind=kind, due_at=due_at, payload={**(payload or {}), "record": record_id}
    )


def record_clock_stop(*, incident: Any, kind: str, record_id: int, reason: str) -> int:
    """Stop the clock of one record (done, withdrawn): its pending timers of this kind are cancelled."""
    return Timer.objects.filter(_pending(), incident=incident, kind=kind, payload__record=record_id).update(
        cancelled_at=timezone.now(), outcome=reason[:200]
    )
