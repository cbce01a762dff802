"""Notifications: one row per recipient and channel, delivered by a claimed conditional update."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from incidents import services as incident_services
from incidents.policies import SYSTEM_USER
from teams import selectors as team_selectors

from .. import audience as audience_module
from .. import channels, messages
from ..models import Notification, Timer

logger = logging.getLogger(__name__)


def notify(
    *,
    incident: Any | None,
    audience: Sequence[str],
    event: str,
    context: dict[str, Any] | None = None,
    timer: Timer | None = None,
    needs_ack: bool = False,
) -> list[Notification]:
    """Write one notification row per recipient and channel (the in-app inbox always, plus e-mail, SMS,
    robots and webhooks as configured); delivery is queued on commit. ``event`` names a message template.
    ``needs_ack``: each person (or shared mailbox) must acknowledge; silence moves it on (``acks``)."""
    context = dict(context or {})
    targets = audience_module.resolve(list(audience), incident)
    if not targets:
        logger.warning(
            "notification %s for incident %s reached nobody (%s)",
            event,
            getattr(incident, "pk", None),
            audience,
        )
        return []
    languages = _languages(targets)
    rendered = {
        language: messages.render(event=event, incident=incident, context=context, language=language)
        for language in sorted(set(languages.values()))
    }
    now = timezone.now()
    batch = uuid.uuid4()
    is_drill = bool(getattr(incident, "is_drill", False) or context.get("is_drill"))
    rows = Notification.objects.bulk_create(
        [
            Notification(
                incident=incident,
                timer=timer,
                event=event,
                audience=key,
                recipient_id=target.user_id if target.channel == "inbox" else None,
                recipient_name=target.name,
                channel=target.channel,
                address=target.address,
                secret=target.secret,
                subject=rendered[languages[target]][0],
                body=rendered[languages[target]][1],
                language=languages[target],
                is_drill=is_drill,
                status=Notification.Status.SENT if target.channel == "inbox" else Notification.Status.PENDING,
                sent_at=now if target.channel == "inbox" else None,
                next_attempt_at=None if target.channel == "inbox" else now,
                batch=batch,
                person_id=target.person_id,
                # a person, or a shared mailbox (a party's: legal, head office), must acknowledge
                needs_ack=needs_ack and (target.person_id is not None or target.channel == "email"),
            )
            for key, target in targets
        ]
    )
    if needs_ack and incident is not None:
        from .. import acks

        acks.silence_watch(incident=incident, rows=rows, event=event)
    outgoing = [row.pk for row in rows if row.channel != Notification.Channel.INBOX]
    if outgoing:
        transaction.on_commit(lambda: _enqueue_deliveries(outgoing), robust=True)
    return rows


def _languages(targets: list[tuple[str, Any]]) -> dict[Any, str]:
    """Each target's language (issue 12): the preference of the user whose inbox it is, or of the person
    whose mailbox or phone it is; shared mailboxes, robots, webhooks and people without an account get the
    default (``LANGUAGE_CODE``, zh-hans)."""
    preferred = team_selectors.preferred_languages(
        user_ids=[t.user_id for _key, t in targets if t.user_id is not None],
        person_ids=[t.person_id for _key, t in targets if t.person_id is not None],
    )
    default = settings.LANGUAGE_CODE
    return {
        target: (
            preferred["users"].get(target.user_id)
            if target.user_id is not None
            else preferred["people"].get(target.person_id)
        )
        or default
        for _key, target in targets
    }


def _enqueue_deliveries(ids: Iterable[int]) -> None:
    from .. import tasks

    for notification_id in ids:
        tasks.notification_deliver.delay(notification_id)


def notification_deliver(*, notification_id: int, now: datetime | None = None) -> str:
    """Deliver one notification. The row is claimed with a conditional update (``pending``/``retry`` and due →
    ``sending``), so two tasks for the same row never both send; failures back off, then end as ``failed`` —
    visible in the admin and on the incident's timeline. Returns the outcome."""
    now = now or timezone.now()
    claimed = (
        Notification.objects.filter(
            pk=notification_id, status__in=[Notification.Status.PENDING, Notification.Status.RETRY]
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=Notification.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    )
    if not claimed:
        return "not_claimed"
    notification = Notification.objects.select_related("incident").get(pk=notification_id)
    mine = Notification.objects.filter(pk=notification_id, status=Notification.Status.SENDING, claimed_at=now)
    try:
        channels.send(notification)
    except Exception as exc:
        error = str(exc)[:2000]
        backoff = settings.NOTIFICATION_RETRY_BACKOFF
        if notification.attempts <= len(backoff):
            mine.update(
                status=Notification.Status.RETRY,
                last_error=error,
                next_attempt_at=now + timedelta(seconds=backoff[notification.attempts - 1]),
            )
            return "retry"
        mine.update(status=Notification.Status.FAILED, last_error=error, next_attempt_at=None)
        _record_failure(notification, error)
        return "failed"
    mine.update(status=Notification.Status.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None)
    return "sent"


def _record_failure(notification: Notification, error: str) -> None:
    if notification.incident_id is None:
        return
    recipient = notification.recipient_name or notification.address
    incident_services.incident_record_action(
        incident_id=notification.incident_id,
        user=SYSTEM_USER,
        action="notification_failed",
        comment=f"{notification.get_channel_display()} → {recipient}：{error}"[:500],
        payload={
            "notification": notification.pk,
            "channel": notification.channel,
            "event": notification.event,
            "attempts": notification.attempts,
            "error": error[:500],
        },
    )


def notifications_requeue() -> int:
    """Requeue deliveries whose task was lost (a Redis flush, a broker outage); mark as failed the ones a
    worker died while sending — the outcome is unknown and a resend could double-send: a person decides."""
    now = timezone.now()
    grace = timedelta(seconds=settings.NOTIFICATION_REQUEUE_GRACE_SECONDS)
    lost = list(
        Notification.objects.filter(
            status__in=[Notification.Status.PENDING, Notification.Status.RETRY],
            next_attempt_at__lte=now - grace,
        ).values_list("id", flat=True)[:1000]
    )
    if lost:
        _enqueue_deliveries(lost)
    lease = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
    for notification in Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_at__lt=now - lease
    ):
        updated = Notification.objects.filter(
            pk=notification.pk, status=Notification.Status.SENDING, claimed_at=notification.claimed_at
        ).update(
            status=Notification.Status.FAILED,
            last_error="发送中断（工作进程退出），结果未知，请人工确认后重发。",
        )
        if updated:
            _record_failure(notification, "worker lost while sending; outcome unknown")
    return len(lost)


def notification_resend(*, notification_id: int) -> bool:
    """From the admin: put a failed notification back in the queue (a person decided to resend)."""
    updated = Notification.objects.filter(pk=notification_id, status=Notification.Status.FAILED).update(
        status=Notification.Status.RETRY, next_attempt_at=timezone.now()
    )
    if updated:
        transaction.on_commit(lambda: _enqueue_deliveries([notification_id]), robust=True)
    return bool(updated)


def notification_mark_read(*, user: Any, notification_id: int) -> bool:
    return bool(
        Notification.objects.filter(
            pk=notification_id, recipient=user, channel=Notification.Channel.INBOX, read_at__isnull=True
        ).update(read_at=timezone.now())
    )
