"""Hand-offs are notifications with a reply (issue 13): the legal referral (Art. 14-bis 4), the named
complaint handler and head-office service management (14-bis 5), technical support on an outage (Art. 7).
Each reaches its party's person or mailbox, needs an acknowledgement, and escalates on silence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from escalation import acks
from escalation import services as escalation_services
from escalation.models import Notification, Timer, TimerKind
from incidents import services as incident_services
from measures import services
from teams import selectors as team_selectors
from tests.incidents.lifecycle import body_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _activated(org, category: str = "business_dispute"):
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={
            "title": "集中投诉",
            "category": category,
            "detected_at": timezone.now() - timedelta(minutes=3),
        },
    )
    for username, name in (("agent", "report"), ("gm", "activate")):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=org[username], data=body_for(name)
        )
    return incident


def _deliver(rows) -> None:
    for row in rows:
        if row.channel != "inbox":
            escalation_services.notification_deliver(notification_id=row.pk)


def test_legal_referral_reaches_the_legal_mailbox_with_a_link_and_escalates_when_silent(org, client):
    incident = _activated(org)
    services.legal_referral_record(
        incident_id=incident.pk,
        user=org["complaint_lead"],
        data={"case_summary": "客户起诉扣费", "reference": "L-7"},
    )
    row = Notification.objects.get(incident=incident, event="legal_referral")
    assert row.address == "legal@bank.example" and row.needs_ack and row.channel == "email"
    _deliver([row])
    (message,) = [m for m in mail.outbox if m.to == ["legal@bank.example"]]
    assert (
        message.subject.startswith("法律移交")
        and "客户起诉扣费" in message.body
        and "/escalation/ack/" in message.body
    )
    clock = Timer.objects.get(incident=incident, kind=TimerKind.ACK_SILENT, payload__row=row.pk)
    Timer.objects.filter(pk=clock.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    escalation_services.timer_fire(timer_id=clock.pk)
    assert Timer.objects.get(pk=clock.pk).outcome == "escalated to deputy"
    told = Notification.objects.get(incident=incident, event="ack_silent", channel="inbox")
    assert told.recipient == org["supervisor"] and "法律事务管理部门" in told.body
    # someone in legal follows the link: acknowledged, once
    token = acks.link_token(row)
    assert client.post(f"/escalation/ack/{token}/").status_code == 200
    assert Notification.objects.get(pk=row.pk).acknowledged_via == "link"


def test_named_handler_and_head_office_escalation_are_told_and_must_acknowledge(org):
    incident = _activated(org)
    handler = team_selectors.team_lead(team_code="complaint")
    case = services.complaint_case_assign(
        incident_id=incident.pk,
        user=org["supervisor"],
        data={"customer": "张女士", "description": "上门投诉扣费", "is_walk_in": "on", "handler": handler.pk},
    )
    told = Notification.objects.filter(incident=incident, event="complaint_handler_assigned")
    assert told.filter(channel="inbox", recipient=org["complaint_lead"], needs_ack=True).exists()
    assert Timer.objects.filter(
        incident=incident, kind=TimerKind.ACK_SILENT, payload__person=handler.pk
    ).exists()
    services.complaint_case_escalate(
        case_id=case.pk, user=org["complaint_lead"], data={"escalation_reason": "涉及多家分行"}
    )
    hq = Notification.objects.get(incident=incident, event="complaint_escalated_hq")
    assert hq.address == "service-management@bank.example" and hq.needs_ack and "涉及多家分行" in hq.body
    inbox = told.get(channel="inbox")
    assert acks.acknowledge_in_inbox(user=org["complaint_lead"], notification_id=inbox.pk)
    assert (
        Timer.objects.get(incident=incident, kind=TimerKind.ACK_SILENT, payload__person=handler.pk).outcome
        == "acknowledged"
    )


def test_an_outage_is_handed_to_technical_support_at_once(org):
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={
            "title": "IVR 中断",
            "category": "system_outage",
            "affected_system": "IVR",
            "detected_at": timezone.now() - timedelta(minutes=1),
        },
    )
    escalation_services.outage_clock_start(incident=incident, outage_started_at=timezone.now())
    row = Notification.objects.filter(incident=incident, event="outage_handoff").get()
    assert row.address == "it-support@bank.example" and row.needs_ack and "IVR" in row.subject
