"""Acknowledgement and escalation on silence (issue 13).

Every notification to a person can be acknowledged: one click in the inbox, or a signed, single-use,
expiring link carried in the e-mail / SMS / robot text (``django.core.signing.TimestampSigner``; the use is
recorded on the row, so a second use is refused). A message sent with ``needs_ack`` starts an
``ack_silent`` timer per person (the one clock: escalation ``Timer`` rows fired by the sweep); when it
fires unacknowledged, the message goes out on the person's next channel, and when the channels are spent,
the next person of the policy's chain (deputy, then leader) is told who stayed silent — with their own
acknowledgement clock. Policy ``acknowledgement`` (admin-editable), snapshotted into the first timer and
carried along the chain."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.wording import join_list
from incidents import services as incident_services
from incidents.policies import SYSTEM_USER
from teams.models import Person

from .models import Notification, Timer, TimerKind

POLICY = "acknowledgement"
SALT = "escalation.ack-link"
LINK_CHANNELS = ("email", "sms", "wecom", "dingtalk")


class LinkRefused(Exception):
    """A link that cannot acknowledge: ``reason`` is tampered, expired or used; ``status`` the HTTP answer."""

    STATUS = {"tampered": 400, "expired": 410, "used": 409}

    def __init__(self, reason: str, notification: Notification | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = self.STATUS[reason]
        self.notification = notification


def _params() -> dict[str, Any] | None:
    from . import services

    snapshot = services.policy_snapshot(code=POLICY)
    return dict(snapshot["params"]) if snapshot else None


# --- watching for silence -------------------------------------------------------------------------------


def silence_watch(
    *,
    incident: Any,
    rows: Iterable[Notification],
    chain: list[str] | None = None,
    params: dict | None = None,
    event: str = "",
) -> list[Timer]:
    """One ``ack_silent`` timer per person among ``rows`` that must acknowledge (caller's transaction)."""
    from . import services

    params = params or _params()
    if params is None:
        return []
    # one clock per person (all their channels), and one per shared mailbox (a party's, e.g. legal)
    watched: dict[tuple[int | None, int | None], list[str]] = {}
    batch = None
    for row in rows:
        if not row.needs_ack:
            continue
        key = (row.person_id, None) if row.person_id is not None else (None, row.pk)
        watched.setdefault(key, []).append(row.channel)
        batch = row.batch
    due = timezone.now() + timedelta(seconds=int(params.get("wait_seconds", 900)))
    return [
        services.timer_schedule(
            incident=incident,
            kind=TimerKind.ACK_SILENT,
            due_at=due,
            payload={
                "batch": str(batch),
                "event": event,
                "person": person_id,
                "row": row_id,
                "tried": tried,
                "chain": list(params.get("next_people", [])) if chain is None else chain,
                "params": params,
            },
        )
        for (person_id, row_id), tried in watched.items()
    ]


def _address(person: Person, channel: str) -> str:
    return {"sms": person.phone, "email": person.email}.get(channel, "")


def fire_silent(*, timer: Timer, incident: Any) -> str:
    """The timer fired (under the incident's lock): acknowledged → nothing; else next channel, else next
    person. Each step writes the next timer, so every step happens once."""
    from . import services
    from .services.notifications import _enqueue_deliveries

    payload = timer.payload
    params = payload["params"]
    if payload.get("person") is not None:
        rows = Notification.objects.filter(batch=payload["batch"], person_id=payload["person"])
    else:
        rows = Notification.objects.filter(pk=payload.get("row"))
    if rows.filter(acknowledged_at__isnull=False).exists():
        return "acknowledged"
    original = rows.order_by("id").first()
    if original is None:
        return "nobody"
    person = Person.objects.filter(pk=original.person_id).first() if original.person_id else None
    silent_name = person.name if person is not None else original.recipient_name
    tried = payload["tried"]
    for channel in params.get("channels", []):
        address = _address(person, channel) if person is not None else ""
        if person is None or channel in tried or not address:
            continue
        row = Notification.objects.create(
            incident=incident,
            timer=timer,
            event=original.event,
            audience=original.audience,
            recipient_name=person.name,
            channel=channel,
            address=address,
            subject=original.subject,
            body=original.body,
            language=original.language,
            is_drill=original.is_drill,
            status=Notification.Status.PENDING,
            next_attempt_at=timezone.now(),
            batch=original.batch,
            person=person,
            needs_ack=True,
        )
        transaction.on_commit(partial(_enqueue_deliveries, [row.pk]), robust=True)
        services.timer_schedule(
            incident=incident,
            kind=TimerKind.ACK_SILENT,
            due_at=timezone.now() + timedelta(seconds=int(params.get("wait_seconds", 900))),
            payload={**payload, "tried": [*tried, channel]},
        )
        return f"resent by {channel}"
    chain = list(payload["chain"])
    while chain:
        key = chain.pop(0)
        silent_id = person.pk if person is not None else None
        others = [target for _key, target in _resolve([key], incident) if target.person_id != silent_id]
        if not any(target.person_id for target in others):
            continue
        told = services.notify(
            incident=incident,
            audience=[key],
            event="ack_silent",
            context={"name": silent_name, "subject": original.subject, "sent_at": original.created_at},
            timer=timer,
        )
        told = [row for row in told if row.person_id != silent_id]
        Notification.objects.filter(pk__in=[row.pk for row in told if row.person_id]).update(needs_ack=True)
        for row in told:
            row.needs_ack = row.person_id is not None
        silence_watch(incident=incident, rows=told, chain=chain, params=params, event="ack_silent")
        names = join_list(sorted({row.recipient_name for row in told if row.person_id}))
        incident_services.incident_record_action(
            incident_id=incident.pk,
            user=SYSTEM_USER,
            action="notification_unacknowledged",
            comment=_("%(name)s 未确认收到“%(subject)s”，已转告 %(names)s。")
            % {"name": silent_name, "subject": original.subject, "names": names},
            payload={"person": silent_id, "batch": payload["batch"], "escalated_to": key},
        )
        return f"escalated to {key}"
    return "exhausted"


def _resolve(audience: list[str], incident: Any) -> list:
    from . import audience as audience_module

    return audience_module.resolve(audience, incident)


# --- acknowledging ------------------------------------------------------------------------------------


def acknowledge(*, notification: Notification, user: Any, via: str) -> bool:
    """Acknowledge the person's message (every channel of it). False when it already was."""
    now = timezone.now()
    if notification.batch and notification.person_id:
        rows = Notification.objects.filter(batch=notification.batch, person_id=notification.person_id)
    else:
        rows = Notification.objects.filter(pk=notification.pk)
    user_id = getattr(user, "pk", None)
    updated = rows.filter(acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by_id=user_id, acknowledged_via=via
    )
    rows.filter(channel=Notification.Channel.INBOX, read_at__isnull=True).update(read_at=now)
    if updated and notification.needs_ack:  # the silence clock of this person (or mailbox) stops
        clocks = Timer.objects.filter(
            kind=TimerKind.ACK_SILENT, fired_at__isnull=True, cancelled_at__isnull=True
        )
        if notification.person_id:
            clocks = clocks.filter(
                payload__batch=str(notification.batch), payload__person=notification.person_id
            )
        else:
            clocks = clocks.filter(payload__row=notification.pk)
        clocks.update(cancelled_at=now, outcome="acknowledged")
    if updated and notification.incident_id and notification.needs_ack:
        incident_services.incident_record_action(
            incident_id=notification.incident_id,
            user=user if user_id else SYSTEM_USER,
            action="notification_acknowledged",
            comment=_("%(name)s 确认收到：%(subject)s")
            % {"name": notification.recipient_name, "subject": notification.subject},
            payload={"notification": notification.pk, "via": via, "batch": str(notification.batch)},
        )
    return bool(updated)


@transaction.atomic
def acknowledge_in_inbox(*, user: Any, notification_id: int) -> bool:
    notification = Notification.objects.filter(
        pk=notification_id, recipient=user, channel=Notification.Channel.INBOX
    ).first()
    if notification is None:
        return False
    return acknowledge(notification=notification, user=user, via="inbox")


def link_token(notification: Notification) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(notification.pk))


def link_url(notification: Notification) -> str:
    path = reverse("escalation:ack-link", args=[link_token(notification)])
    return settings.SITE_URL.rstrip("/") + path


def link_max_age() -> int:
    params = _params() or {}
    return int(params.get("link_max_age_seconds", 24 * 3600))


def notification_for_link(token: str) -> Notification:
    """The row a link names, or ``LinkRefused`` (tampered, expired, already used)."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        pk = int(signer.unsign(token, max_age=link_max_age()))
    except signing.SignatureExpired as exc:
        raise LinkRefused("expired") from exc
    except (signing.BadSignature, ValueError) as exc:
        raise LinkRefused("tampered") from exc
    notification = Notification.objects.select_related("incident", "acknowledged_by").filter(pk=pk).first()
    if notification is None:
        raise LinkRefused("tampered")
    if notification.link_used_at or notification.acknowledged_at:
        raise LinkRefused("used", notification)
    return notification


@transaction.atomic
def acknowledge_by_link(*, token: str) -> Notification:
    """Single use: the row is locked and its ``link_used_at`` set in the same transaction as the ack."""
    notification = notification_for_link(token)
    notification = Notification.objects.select_for_update().get(pk=notification.pk)
    if notification.link_used_at or notification.acknowledged_at:
        raise LinkRefused("used", notification)
    notification.link_used_at = timezone.now()
    notification.save(update_fields=["link_used_at"])
    person = notification.person
    user = person.user if person is not None and person.user_id else None
    acknowledge(notification=notification, user=user, via="link")
    notification.refresh_from_db()
    return notification


def text_with_link(notification: Notification, text: str) -> str:
    """What goes out on a channel: the text, plus the person's acknowledgement link."""
    if notification.channel not in LINK_CHANNELS or not (notification.person_id or notification.needs_ack):
        return text
    from .messages import punctuation

    with translation.override(notification.language or settings.LANGUAGE_CODE):  # the message's language
        label, colon = _("确认收到"), punctuation()["colon"]
    return f"{text}\n{label}{colon}{link_url(notification)}"
