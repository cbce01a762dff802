"""Acknowledgement and escalation on silence (issue 13): one click in the inbox; a signed, single-use,
expiring link in the e-mail / SMS text; an unacknowledged message goes out on the next channel, then to the
next person (deputy, leader), each step once; acknowledging stops the clock."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.db import transaction
from django.utils import timezone

from escalation import acks, services
from escalation.models import EscalationPolicy, Notification, Timer, TimerKind
from incidents import services as incident_services
from incidents.models import Incident, TimelineEntry

from .helpers import wait_until

pytestmark = pytest.mark.django_db


def _policy(wait: int = 600, **params) -> None:
    EscalationPolicy.objects.update_or_create(
        code="acknowledgement",
        defaults={
            "name": "确认收到",
            "steps": [],
            "params": {
                "wait_seconds": wait,
                "channels": ["sms", "email"],
                "next_people": ["deputy", "leader"],
                "link_max_age_seconds": 3600,
                **params,
            },
        },
    )


def _declare(org) -> Incident:
    return incident_services.incident_declare(
        user=org["supervisor"],
        data={"title": "IVR 中断", "category": "service_level", "detected_at": timezone.now().isoformat()},
    )


def _fire_due(incident: Incident) -> list[str]:
    """Make the incident's pending acknowledgement clocks due now and fire them (as the sweep would)."""
    timers = Timer.objects.filter(
        incident=incident, kind=TimerKind.ACK_SILENT, fired_at__isnull=True, cancelled_at__isnull=True
    )
    timers.update(due_at=timezone.now() - timedelta(seconds=1))
    outcomes = []
    for timer in list(timers):
        services.timer_fire(timer_id=timer.pk)
        outcomes.append(Timer.objects.get(pk=timer.pk).outcome)
    return outcomes


def test_inbox_click_acknowledges_every_channel_and_stops_the_clock(org, client):
    _policy()
    incident = _declare(org)
    with transaction.atomic():
        rows = services.notify(
            incident=incident, audience=["leader"], event="decision_pending", needs_ack=True
        )
    assert {row.channel for row in rows} == {"inbox", "email", "sms"}
    clock = Timer.objects.get(incident=incident, kind=TimerKind.ACK_SILENT)
    inbox = next(row for row in rows if row.channel == "inbox")
    client.force_login(org["supervisor"])  # not mine: nothing happens
    client.post(f"/escalation/inbox/{inbox.pk}/ack/")
    assert not Notification.objects.filter(batch=inbox.batch, acknowledged_at__isnull=False).exists()
    client.force_login(org["gm"])
    page = client.get("/escalation/inbox/").content.decode()
    assert "确认收到" in page and "需确认" in page
    client.post(f"/escalation/inbox/{inbox.pk}/ack/")
    acked = Notification.objects.filter(batch=inbox.batch)
    assert acked.filter(acknowledged_at__isnull=False, acknowledged_by=org["gm"]).count() == 3
    clock.refresh_from_db()
    assert clock.cancelled_at is not None and clock.outcome == "acknowledged"
    entry = TimelineEntry.objects.get(incident=incident, action="notification_acknowledged")
    assert "王建国" in entry.comment


def test_signed_link_acknowledges_once_and_refuses_tampered_expired_and_reused(org, client, settings):
    _policy()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    incident = _declare(org)
    with transaction.atomic():
        services.notify(
            incident=incident, audience=["group_lead:phone"], event="decision_pending", needs_ack=True
        )
    email = Notification.objects.get(incident=incident, channel="email")
    assert services.notification_deliver(notification_id=email.pk) == "sent"
    link = re.search(r"https?://\S+/escalation/ack/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("/", 3)[3]
    assert client.get(path).status_code == 200  # a mail scanner's GET acknowledges nothing
    assert not Notification.objects.filter(batch=email.batch, acknowledged_at__isnull=False).exists()
    tampered = path[:-2] + ("A" if path[-2] != "A" else "B") + "/"
    response = client.get(tampered)
    assert response.status_code == 400 and "链接无效" in response.content.decode()
    done = client.post(path)
    assert done.status_code == 200 and "已确认收到" in done.content.decode()
    row = Notification.objects.get(pk=email.pk)
    assert row.acknowledged_via == "link" and row.link_used_at and row.acknowledged_by == org["phone_lead"]
    again = client.post(path)
    assert again.status_code == 409 and "只能使用一次" in again.content.decode()

    class Yesterday(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - 2 * 3600)

    with transaction.atomic():
        services.notify(incident=incident, audience=["leader"], event="decision_pending", needs_ack=True)
    fresh = Notification.objects.filter(
        incident=incident, channel="email", acknowledged_at__isnull=True
    ).get()
    old = Yesterday(salt=acks.SALT).sign(str(fresh.pk))
    expired = client.post(f"/escalation/ack/{old}/")
    assert expired.status_code == 410 and "已过期" in expired.content.decode()
    assert not Notification.objects.get(pk=fresh.pk).acknowledged_at


def test_silence_moves_to_the_next_channel_then_the_next_person_each_once(org):
    _policy()
    incident = _declare(org)
    with transaction.atomic():
        services.notify(
            incident=incident, audience=["group_lead:phone"], event="decision_pending", needs_ack=True
        )
    # 张接通 was told in the inbox and by e-mail; silence → the next channel (SMS), once
    assert _fire_due(incident) == ["resent by sms"]
    sms = Notification.objects.filter(incident=incident, channel="sms", recipient_name="张接通")
    assert sms.count() == 1 and sms.get().address == "13800000003"
    # still silent, channels spent → the deputy is told who stayed silent, with their own clock
    assert _fire_due(incident) == ["escalated to deputy"]
    told = Notification.objects.filter(incident=incident, event="ack_silent", channel="inbox")
    assert list(told.values_list("recipient__username", flat=True)) == ["supervisor"]
    assert "张接通" in told.get().body
    assert TimelineEntry.objects.filter(incident=incident, action="notification_unacknowledged").count() == 1
    # the deputy acknowledges in the inbox: the chain stops there
    assert acks.acknowledge_in_inbox(user=org["supervisor"], notification_id=told.get().pk)
    assert _fire_due(incident) == []
    assert not Notification.objects.filter(
        incident=incident, recipient__username="gm", event="ack_silent"
    ).exists()
    assert sms.count() == 1


def test_a_late_acknowledgement_by_the_first_person_stops_the_chain(org):
    _policy()
    incident = _declare(org)
    with transaction.atomic():
        rows = services.notify(
            incident=incident, audience=["group_lead:phone"], event="decision_pending", needs_ack=True
        )
    Timer.objects.filter(kind=TimerKind.ACK_SILENT).update(due_at=timezone.now() - timedelta(seconds=1))
    acks.acknowledge_in_inbox(user=org["phone_lead"], notification_id=rows[0].pk)
    assert _fire_due(incident) == []
    assert not Notification.objects.filter(incident=incident, event="ack_silent").exists()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_with_a_real_worker_an_unacknowledged_message_reaches_the_deputy(org, celery_worker_process):
    _policy(wait=2)
    celery_worker_process.start()
    incident = _declare(org)
    with transaction.atomic():
        services.notify(
            incident=incident, audience=["group_lead:phone"], event="decision_pending", needs_ack=True
        )
    deputy_told = Notification.objects.filter(
        incident=incident, event="ack_silent", recipient__username="supervisor"
    )
    assert wait_until(deputy_told.exists, timeout=30)
    acks.acknowledge_in_inbox(user=org["supervisor"], notification_id=deputy_told.first().pk)
    time.sleep(4)  # a double-fire or a missed stop would show by now
    assert deputy_told.count() == 1
    assert Notification.objects.filter(incident=incident, channel="sms", recipient_name="张接通").count() == 1
    assert not Notification.objects.filter(
        incident=incident, event="ack_silent", recipient__username="gm"
    ).exists()


def test_the_link_page_reads_in_the_language_the_message_was_written_in(org, client, settings):
    """Issue 12: the phone lead prefers English; the e-mail is English, and so is the page its link opens for
    a reader who is not signed in (the page cannot know them otherwise)."""
    from teams.models import UserPreference

    _policy()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UserPreference.objects.update_or_create(user=org["phone_lead"], defaults={"language": "en"})
    incident = _declare(org)
    with transaction.atomic():
        services.notify(
            incident=incident, audience=["group_lead:phone"], event="decision_pending", needs_ack=True
        )
    email = Notification.objects.get(incident=incident, channel="email")
    assert email.language == "en" and email.subject.startswith("Decision pending")
    assert services.notification_deliver(notification_id=email.pk) == "sent"
    assert mail.outbox[0].subject == email.subject and "\nAcknowledge: http" in mail.outbox[0].body
    link = re.search(r"https?://\S+/escalation/ack/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("/", 3)[3]
    page = client.get(path)
    assert page.status_code == 200 and page["Content-Language"] == "en"
    assert email.subject in page.content.decode() and ">Acknowledge</button>" in page.content.decode()
    done = client.post(path).content.decode()
    assert "Acknowledged" in done and "已确认收到" not in done


def test_an_acknowledgement_clock_is_no_deadline_on_the_board_or_the_incident_page(org, client):
    """The resend-on-silence timer times one message's delivery, not the response: it is not listed as the
    incident's deadline (board card, incident page) — the messages list shows the message as 待确认."""
    from incidents import contributions

    _policy()
    incident = _declare(org)
    with transaction.atomic():
        services.notify(incident=incident, audience=["leader"], event="decision_pending", needs_ack=True)
    assert Timer.objects.filter(incident=incident, kind=TimerKind.ACK_SILENT, fired_at__isnull=True).exists()
    deadlines = contributions.deadlines_for_incidents([incident.pk]).get(incident.pk, [])
    kinds = {item["kind"] for item in deadlines}
    assert TimerKind.ACK_SILENT not in kinds
    client.force_login(org["supervisor"])
    for url in ("/", f"/incidents/{incident.pk}/"):
        page = client.get(url).content.decode()
        assert "未确认收到，转下一渠道" not in page
