"""Firing timers: at most once, incident row locked first, re-checked against the incident's state."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack, nullcontext
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Incident
from incidents.policies import SYSTEM_USER

from .. import audience as audiences
from ..models import Timer, TimerKind
from ..states import keeps
from .measure_clocks import KINDS as MEASURE_TIMER_KINDS
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
    **dict.fromkeys(MEASURE_TIMER_KINDS, fire_measure_overdue),
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


class _ActionFailed(Exception):
    """An action failed in a chunk fired without savepoints: the chunk is rolled back and fired again, one
    savepoint per timer, so the failure is recorded on its own timer and the others still fire."""


def _fire_claimed(timer: Timer, incident: Incident | None, *, isolated: bool) -> str:
    """Fire one timer whose incident (if any) and row this transaction holds. Claimed by a conditional update,
    so a row that an earlier action of the same transaction ended (a transition cancelling the clocks its new
    state does not keep) is left alone; re-checked against the incident's state as it is now."""
    now = timezone.now()
    pending = Timer.objects.filter(_pending(), pk=timer.pk)
    if incident is not None and not keeps(timer.kind, incident.state):
        ended = pending.update(
            cancelled_at=now, outcome=f"state is {incident.state}", attempts=F("attempts") + 1
        )
        return "obsolete" if ended else "done"
    # before acting: a transition cancels only unfired rows
    if not pending.update(fired_at=now, attempts=F("attempts") + 1):
        return "done"
    timer.fired_at = now
    timer.attempts += 1
    try:
        with transaction.atomic() if isolated else nullcontext():
            if incident is None:
                outcome = _system_action(timer)
            else:
                outcome = HANDLERS.get(timer.kind, _fire_notify)(timer, incident)
    except Exception as exc:  # the action failed: retry a few times, then leave it visible as failed
        if not isolated:
            raise _ActionFailed from exc
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
    return "fired"


Chunk = list[tuple[int | None, list[int]]]  # (incident id or None for the desk's own clocks, timer ids)


def _fire_chunk(chunk: Chunk, *, wait: bool = False) -> Counter[str]:
    """Fire the due ones of a chunk of timers in one transaction: the incident rows locked first, in one
    query (the order every state change uses; ``SKIP LOCKED``: an incident someone is changing right now is
    skipped — "busy" — for the next sweep or the nudge), then the pending, due timer rows (``SKIP LOCKED``:
    a concurrent sweep or nudge has them), then each fired in due order with ``fired_at`` set in the same
    transaction as its action — at most once. One commit and a handful of round trips for the chunk, not a
    dozen per timer. Fired without savepoints; if an action fails, the chunk is rolled back and fired again
    with one savepoint per timer (``_ActionFailed``). ``wait=True`` (one timer, the nudge) waits for its
    incident's lock instead of skipping it."""
    try:
        return _fire_chunk_once(chunk, wait=wait, isolated=False)
    except _ActionFailed:
        return _fire_chunk_once(chunk, wait=wait, isolated=True)


def _fire_chunk_once(chunk: Chunk, *, wait: bool, isolated: bool) -> Counter[str]:
    counts: Counter[str] = Counter()
    now = timezone.now()
    incident_ids = sorted({incident_id for incident_id, _ in chunk if incident_id is not None})
    with transaction.atomic(), ExitStack() as stack:
        stack.enter_context(audiences.resolved_once())
        if wait and len(incident_ids) == 1:
            incident = stack.enter_context(incident_services.incident_locked(incident_ids[0]))
            locked = {incident.pk: incident} if incident is not None else {}
        else:
            locked = stack.enter_context(incident_services.incidents_locked(incident_ids))
        ids = []
        for incident_id, timer_ids in chunk:
            if incident_id is None or incident_id in locked:
                ids += timer_ids
            else:
                counts["busy"] += len(timer_ids)
        timers = list(
            Timer.objects.select_for_update(skip_locked=True)
            .filter(_pending(), pk__in=ids, due_at__lte=now)
            .order_by("due_at", "pk")
        )
        counts["done"] = len(ids) - len(timers)
        fired: list[Timer] = []
        stopped: set[int | None] = set()
        for timer in timers:
            if timer.incident_id in stopped:
                counts["deferred"] += 1
                continue
            incident = None if timer.incident_id is None else locked[timer.incident_id]
            outcome = _fire_claimed(timer, incident, isolated=isolated)
            counts[outcome] += 1
            if outcome == "fired":
                fired.append(timer)
            elif outcome in ("retry", "failed") and incident is not None:
                # the failed action may have left the locked instance unlike its row: the incident's other
                # timers stay pending for the next sweep (a fresh transaction).
                stopped.add(timer.incident_id)
        Timer.objects.bulk_update(fired, ["outcome"])
    return +counts


def timer_fire(*, timer_id: int, token: str | None = None, wait: bool = True) -> str:
    """Fire one due timer, at most once (the ETA nudge; tests). Locks the incident, then the timer (the order
    every state change uses, so no deadlock), re-checks it is pending, due and still about the incident's
    state, acts and sets ``fired_at`` in the same transaction. ``wait=False`` skips a busy incident."""
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
    if head["due_at"] > timezone.now():
        return "not_due"
    counts = _fire_chunk([(head["incident_id"], [timer_id])], wait=wait)
    return next(iter(counts), "done")


def timers_fire_ids(*, timer_ids: list[int]) -> dict[str, int]:
    """Fire these timers if still pending and due, grouped by incident (a chunk the sweep handed out)."""
    rows = (
        Timer.objects.filter(_pending(), pk__in=timer_ids).values_list("incident_id", "id").order_by("due_at")
    )
    counts: Counter[str] = Counter(done=len(timer_ids) - len(rows))
    groups: dict[int | None, list[int]] = {}
    for incident_id, pk in rows:
        groups.setdefault(incident_id, []).append(pk)
    counts.update(_fire_chunk(list(groups.items())))
    return dict(+counts)


def _chunks(due: list[tuple[int, int | None]], size: int) -> list[Chunk]:
    """Split due ``(id, incident_id)`` rows, in due order, into chunks of about ``size`` timers made of
    whole incident groups (an incident with more than ``size`` due timers is split: one lock held briefly)."""
    groups: dict[int | None, list[int]] = {}
    for pk, incident_id in due:
        groups.setdefault(incident_id, []).append(pk)
    chunks: list[Chunk] = [[]]
    filled = 0
    for incident_id, ids in groups.items():
        for start in range(0, len(ids), size):
            part = ids[start : start + size]
            if filled and filled + len(part) > size:
                chunks.append([])
                filled = 0
            chunks[-1].append((incident_id, part))
            filled += len(part)
    return [chunk for chunk in chunks if chunk]


def timers_sweep(
    *,
    batch: int = 2000,
    chunk: int = 50,
    budget_seconds: float = 20.0,
    fan_out: Callable[[list[int]], None] | None = None,
    leave_nudged: bool = False,
) -> dict[str, int]:
    """The engine: fire every due timer, nudge those due within the horizon, and requeue notifications whose
    message was lost. Due timers are read in one query and fired in chunks — one transaction per chunk of
    about ``chunk`` timers, not one per timer (``_fire_chunk``). Incidents being changed right now are
    skipped (the next sweep or the nudge gets them).

    ``fan_out`` (the Celery task passes one): when more than one chunk is due — a backlog after a scheduler
    or worker was lost — this sweep fires the first chunk itself and hands each other chunk to ``fan_out``
    (a message to the workers), so every worker process drains the backlog in parallel.

    ``leave_nudged`` (the Celery task): a row a live message is about — an ETA nudge acting at its due
    time, a chunk handed out — is left to that message for one sweep period, so the sweep's chunk does not
    hold the incidents the nudges are firing; after that the sweep takes it (the message was lost)."""
    started = time.monotonic()
    counts: Counter[str] = Counter()
    while True:
        now = timezone.now()
        due = list(
            Timer.objects.filter(_pending(), due_at__lte=now)
            .order_by("due_at")
            .values_list("id", "incident_id", "nudged_at", "due_at")[:batch]
        )
        if leave_nudged:
            live = now - timedelta(seconds=settings.ESCALATION_SWEEP_SECONDS)
            left = [row for row in due if row[2] is not None and max(row[2], row[3]) > live]
            counts["left_to_nudge"] += len(left)
            due = [row for row in due if row not in left]
        chunks = _chunks([(pk, incident_id) for pk, incident_id, _, _ in due], chunk)
        if fan_out is not None and len(chunks) > 1:
            counts["handed_out"] += _hand_out(chunks[1:], now, fan_out)
            chunks = chunks[:1]
        failed = 0
        for part in chunks:
            failed += _fire_chunk_contained(part, counts)
        if failed or fan_out is not None or len(due) < batch or time.monotonic() - started > budget_seconds:
            break
    return {**(+counts), "nudged": timers_nudge_upcoming(), "requeued": notifications_requeue()}


def _fire_chunk_contained(chunk: Chunk, counts: Counter[str]) -> int:
    """Fire one chunk of a sweep; if it raises (the database refused the chunk's lock or claim query — a lock
    or statement timeout, a lost connection), its transaction is rolled back, the error logged, and the
    sweep goes on with the other chunks, the nudges and the requeue: its timers stay pending and due, for
    the next sweep. Returns 1 if the chunk failed (that sweep stops reading more batches)."""
    try:
        counts.update(_fire_chunk(chunk))
    except Exception:  # noqa: BLE001 - logged; the rows are still due, the next sweep fires them
        size = sum(len(ids) for _, ids in chunk)
        logger.exception("timer sweep: a chunk of %d timers failed; the next sweep fires them", size)
        counts["chunk_failed"] += size
        if not connection.in_atomic_block:  # a lost connection is dropped: the next chunk opens a fresh one
            connection.close_if_unusable_or_obsolete()
        return 1
    return 0


def _hand_out(chunks: list[Chunk], now: datetime, fan_out: Callable[[list[int]], None]) -> int:
    """Stamp ``nudged_at`` (a message is about these rows) and send each chunk; returns how many timers."""
    parts = [[pk for _, group in part for pk in group] for part in chunks]
    Timer.objects.filter(pk__in=[pk for ids in parts for pk in ids]).update(nudged_at=now)
    sent = 0
    for ids in parts:
        try:
            fan_out(ids)
        except Exception:  # noqa: BLE001 - the broker is gone: the rows stay due, a later sweep fires them
            logger.warning("could not hand out %d due timers; a later sweep fires them", len(ids))
            break
        sent += len(ids)
    return sent
