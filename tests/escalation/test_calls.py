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


def test_a_report_calls_those_who_may_decide_and_tells_the_rest_of_the_leadership_group(org):
    incident = _declare(org, "system_outage")
    assert not Notification.objects.filter(incident=incident, event="decision_waiting").exists()
    _move(org, incident, "agent", "report")
    told = _told(incident, "decision_waiting")
    # leader and deputy — who may activate (``policies.may_decide``) — on their channels (SMS preference)
    assert told["inbox"] == {"王建国", "李现场"}
    assert told["sms"] == {"王建国", "李现场"}
    inbox = Notification.objects.get(incident=incident, event="decision_waiting", recipient=org["gm"])
    assert inbox.status == "sent" and inbox.read_at is None
    assert "待您决策" in inbox.subject and "周坐席" in inbox.body and "/inbox/" in inbox.body
    # the Leadership Group's members, who cannot decide, are told — asked nothing
    informed = _told(incident, "incident_reported")
    assert {"张接通", "赵投诉", "孙突发"} <= informed["inbox"]
    assert not informed["inbox"] & {"王建国", "李现场"}
    row = Notification.objects.get(incident=incident, event="incident_reported", recipient=org["phone_lead"])
    assert "待您决策" not in row.subject and "供知悉" in row.subject
    assert "王建国" in row.body and "李现场" in row.body


def test_the_reporter_in_the_leadership_group_is_not_asked_to_decide_on_his_own_report(org):
    """Four-eyes (Art. 9): the deputy 李现场 reports; ``may_decide`` bars him, so the call does too — the one
    rule for both. The leader is called; nobody asks 李现场 to decide, by any channel."""
    incident = _declare(org, "system_outage")
    _move(org, incident, "supervisor", "report")
    decide = Notification.objects.filter(incident=incident, event="decision_waiting")
    assert {row.recipient_name for row in decide} == {"王建国"}
    assert {"inbox", "sms"} <= {row.channel for row in decide}
    assert not Notification.objects.filter(incident=incident, recipient_name="李现场").exists()
    # the rule agrees with the action: the reporter may not activate, the leader may
    with pytest.raises(Forbidden):
        _move(org, incident, "supervisor", "activate")
    _move(org, incident, "gm", "activate")


def test_the_activation_notice_title_states_the_count_without_a_dangling_colon(org):
    incident = _declare(org, "system_outage")
    _move(org, incident, "agent", "report")
    _move(org, incident, "gm", "activate")
    row = Notification.objects.filter(incident=incident, event="measures_assigned", channel="inbox").first()
    assert row is not None
    assert row.subject.startswith("预案已启动：您负责 ") and row.subject.endswith("项措施")
    assert not row.subject.endswith(("：", ":"))


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


def test_the_termination_requester_who_also_approves_is_not_asked_to_approve(org):
    """Four-eyes (Art. 15): the deputy requests termination (``may_approve_termination`` bars him from his
    own request); the approval call goes to the leader only, as the approval itself would."""
    from teams.models import Membership

    incident = _declare(org, "system_outage")
    _move(org, incident, "agent", "report")
    _move(org, incident, "gm", "activate")
    _move(org, incident, "phone_lead", "execute")
    # the deputy leads the lead group today (a small branch): he may request and is an approver
    Membership.objects.filter(team=incident.lead_group, role=Membership.Role.LEAD).update(
        person=org["supervisor"].person
    )
    from teams.selectors import forget_actor

    forget_actor(org["supervisor"])
    _move(org, incident, "supervisor", "request_termination")
    told = _told(incident, "termination_approval_waiting")
    assert told["inbox"] == {"王建国"}
    assert "李现场" not in told.get("sms", set())


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


def test_the_decision_reminder_does_not_chase_the_reporter_either(org):
    """The 15-minute reminder (``decision_pending`` step 1, audience ``activation_deciders``) follows the same
    rule as the call: the deputy reported, so the leader is reminded, the deputy is not."""
    from escalation import services as escalation_services
    from escalation.models import EscalationPolicy, Timer

    assert EscalationPolicy.objects.get(code="decision_pending").steps[0]["audience"] == [
        "activation_deciders"
    ]
    incident = _declare(org, "system_outage")
    _move(org, incident, "supervisor", "report")
    first = Timer.objects.filter(incident=incident, kind="decision_pending").order_by("due_at").first()
    Timer.objects.filter(pk=first.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    escalation_services.timers_sweep()
    reminded = {
        row.recipient_name for row in Notification.objects.filter(incident=incident, event="decision_pending")
    }
    assert reminded == {"王建国"}
