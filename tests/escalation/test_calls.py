"""The desk calls people (issue 12): a decision waiting for someone reaches their inbox — and their other
channels — in the transaction that made it due, not 15–30 minutes later when a reminder fires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import Notification
from incidents import services as incident_services
from incidents.errors import Forbidden
from measures import services as measure_services
from tests.incidents.lifecycle import body_for

pytestmark = pytest.mark.django_db


def _declare(org, category: str):
    return incident_services.incident_declare(
        user=org["supervisor"],
        data={
            "title": "测试呼叫",
            "category": category,
            "detected_at": timezone.now() - timedelta(minutes=3),
        },
    )


def _move(org, incident, username: str, name: str, **extra) -> None:
    incident_services.incident_transition(
        incident_id=incident.pk, name=name, user=org[username], data={**body_for(name), **extra}
    )


def _told(incident, event: str) -> dict[str, set[str]]:
    """Who was told of ``event``, by channel: {channel: {recipient name}}."""
    told: dict[str, set[str]] = {}
    for row in Notification.objects.filter(incident=incident, event=event):
        told.setdefault(row.channel, set()).add(row.recipient_name)
    return told


def test_a_report_calls_the_whole_leadership_group_at_once_on_their_channels(org):
    incident = _declare(org, "system_outage")
    assert not Notification.objects.filter(incident=incident, event="decision_waiting").exists()
    _move(org, incident, "agent", "report")
    told = _told(incident, "decision_waiting")
    # leader, deputy and members, each in the inbox; the leader's and deputy's SMS preference is honoured
    assert {"王建国", "李现场", "张接通", "赵投诉", "孙突发"} <= told["inbox"]
    assert {"王建国", "李现场"} <= told["sms"]
    inbox = Notification.objects.get(incident=incident, event="decision_waiting", recipient=org["gm"])
    assert inbox.status == "sent" and inbox.read_at is None
    assert "待您决策" in inbox.subject and "周坐席" in inbox.body and "/inbox/" in inbox.body


@pytest.mark.parametrize(
    ("category", "lead", "approvers"),
    [
        ("system_outage", "phone_lead", {"王建国", "李现场"}),
        ("disaster", "sudden_lead", {"王建国", "李现场", "吴保卫"}),
        ("business_dispute", "complaint_lead", {"王建国", "李现场", "郑办公室"}),
    ],
)
def test_a_termination_request_calls_each_required_approver(org, category, lead, approvers):
    incident = _declare(org, category)
    _move(org, incident, "agent", "report")
    _move(org, incident, "gm", "activate")
    _move(org, incident, lead, "execute")
    assert not Notification.objects.filter(incident=incident, event="termination_approval_waiting").exists()
    _move(org, incident, lead, "request_termination")
    told = _told(incident, "termination_approval_waiting")
    assert told["inbox"] == approvers
    if "吴保卫" in approvers:  # building security prefers SMS (demo organisation)
        assert "吴保卫" in told["sms"]
    if "郑办公室" in approvers:  # head office prefers e-mail
        assert "郑办公室" in told["email"]


def test_an_investigation_calls_the_investigators(org):
    incident = _declare(org, "system_outage")
    for username, name in (
        ("agent", "report"),
        ("gm", "activate"),
        ("phone_lead", "execute"),
        ("phone_lead", "request_termination"),
        ("gm", "approve_termination"),
    ):
        _move(org, incident, username, name)
    investigator = org["phone_lead"].person
    _move(org, incident, "gm", "investigate", investigators=[investigator.pk])
    told = _told(incident, "investigation_assigned")
    assert told["inbox"] == {"张接通"}
    row = Notification.objects.get(incident=incident, event="investigation_assigned", channel="inbox")
    assert row.recipient == org["phone_lead"]
    assert f"/reports/incidents/{incident.pk}/investigation-form/" in row.body


def test_a_dispute_plan_calls_the_leader_and_deputy(org):
    incident = _declare(org, "business_dispute")
    _move(org, incident, "agent", "report")
    _move(org, incident, "gm", "activate")
    measure_services.dispute_plan_propose(
        incident_id=incident.pk, user=org["complaint_lead"], data={"text": "退还手续费并上门致歉"}
    )
    told = _told(incident, "dispute_plan_waiting")
    assert told["inbox"] == {"王建国", "李现场"}
    assert "退还手续费" in Notification.objects.filter(event="dispute_plan_waiting").first().body


def test_a_refused_decision_calls_nobody(org):
    """The call is written in the transition's transaction: a refused move leaves no message behind."""
    incident = _declare(org, "system_outage")
    with pytest.raises(Forbidden):
        _move(org, incident, "auditor", "report")
    assert not Notification.objects.filter(incident=incident, event="decision_waiting").exists()
