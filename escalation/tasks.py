"""Celery entry points (STYLE.md §4): they take ids, re-read rows, call a service, and are safe twice.
Routes, acks, prefetch and time limits are in ``config/settings.py``."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="escalation.timer_fire", ignore_result=True)
def timer_fire(timer_id: int, token: str) -> str:
    """The ETA nudge: fire the timer if it is still the one this message was sent for (fencing token)."""
    outcome = services.timer_fire(timer_id=timer_id, token=token)
    if outcome == "not_due":  # the nudge arrived a little early (clocks): try once more shortly
        timer_fire.apply_async((timer_id, token), countdown=0.2)
    return outcome


@shared_task(
    name="escalation.timers_sweep", ignore_result=True, expires=max(settings.ESCALATION_SWEEP_SECONDS * 3, 10)
)
def timers_sweep() -> dict[str, int]:
    """Beat sends this every ``ESCALATION_SWEEP_SECONDS``: it is what makes timers durable."""
    counts = services.timers_sweep(fan_out=_fire_chunk_later, leave_nudged=True)
    if any(v for k, v in counts.items() if k not in ("nudged", "requeued", "done", "left_to_nudge")):
        logger.info("timer sweep: %s", counts)
    return counts


def _fire_chunk_later(timer_ids: list[int]) -> None:
    timers_fire_chunk.apply_async((timer_ids,))


@shared_task(
    name="escalation.timers_fire_chunk",
    ignore_result=True,
    expires=max(settings.ESCALATION_SWEEP_SECONDS * 3, 10),
)
def timers_fire_chunk(timer_ids: list[int]) -> dict[str, int]:
    """A chunk of a due backlog the sweep handed out, so that every worker process fires in parallel."""
    counts = services.timers_fire_ids(timer_ids=timer_ids)
    logger.info("timer chunk: %s", counts)
    return counts


@shared_task(name="escalation.notification_deliver", bind=True, ignore_result=True)
def notification_deliver(self, notification_id: int) -> str:  # type: ignore[no-untyped-def]
    outcome = services.notification_deliver(notification_id=notification_id)
    if outcome == "retry":
        from .models import Notification

        row = Notification.objects.filter(pk=notification_id).values("attempts").first()
        attempts = row["attempts"] if row else 1
        backoff = settings.NOTIFICATION_RETRY_BACKOFF
        notification_deliver.apply_async(
            (notification_id,), countdown=backoff[min(attempts, len(backoff)) - 1]
        )
    return outcome


@worker_ready.connect
def _forget_nudges_on_start(**_kwargs: object) -> None:
    """A worker killed with -9 took its in-memory ETA nudges with it; let the sweep send fresh ones."""
    try:
        count = services.timers_forget_nudges()
        if count:
            logger.info("worker ready: %d pending timers will be re-nudged", count)
    except Exception:  # the database may be briefly unreachable; the sweep still fires on time-ish
        logger.exception("could not reset timer nudges at worker start")
