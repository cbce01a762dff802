"""Every role × transition × state: allowed moves work, every other is refused (DESIGN §3, §8 "0 permission
leaks"). The expectations are written out here as the plan states them, independently of
``incidents.policies``; a change to the policies that leaks or locks out a role fails this test."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from incidents.models import Incident, State
from incidents.plans import ApprovalSlot
from reports.models import Investigation
from teams.models import Team

from .lifecycle import body_for

pytestmark = pytest.mark.django_db

USERS = [
    "gm", "supervisor", "phone_lead", "complaint_lead", "sudden_lead",
    "agent", "security_head", "hq_office", "auditor", "admin", "acd",
]  # fmt: skip
TRANSITIONS = [
    "report", "dismiss", "reopen", "activate", "decline", "execute", "request_termination",
    "approve_termination", "reject_termination", "investigate", "close",
]  # fmt: skip
SOURCE = {
    "report": State.MONITORING, "dismiss": State.MONITORING, "reopen": State.DISMISSED,
    "activate": State.REPORTED, "decline": State.REPORTED, "execute": State.ACTIVATED,
    "request_termination": State.EXECUTING, "approve_termination": State.TERMINATION_REQUESTED,
    "reject_termination": State.TERMINATION_REQUESTED, "investigate": State.TERMINATED,
    "close": State.INVESTIGATING,
}  # fmt: skip
WORKING_GROUP_PEOPLE = {"gm", "supervisor", "phone_lead", "complaint_lead", "sudden_lead", "agent"}
DECIDERS = {"gm", "supervisor"}
# Who may, for a phone-plan incident led by the phone group, reported by `agent`, termination requested by
# `phone_lead` (DESIGN §3 table; Art. 8, 9, 15).
ALLOWED = {
    "report": WORKING_GROUP_PEOPLE,
    "dismiss": DECIDERS | {"phone_lead"},
    "reopen": DECIDERS | {"phone_lead"},
    "activate": DECIDERS,
    "decline": DECIDERS,
    "execute": DECIDERS | {"phone_lead"},
    "request_termination": {"phone_lead"},
    "approve_termination": DECIDERS,
    "reject_termination": DECIDERS,
    "investigate": DECIDERS,
    "close": {"gm"},
}
TARGET = {
    "report": "reported", "dismiss": "dismissed", "reopen": "monitoring", "activate": "activated",
    "decline": "dismissed", "execute": "executing", "request_termination": "termination_requested",
    "approve_termination": "terminated", "reject_termination": "executing", "investigate": "investigating",
    "close": "closed",
}  # fmt: skip


def incident_in(state: str, users: dict) -> Incident:
    incident = Incident.objects.create(
        title="矩阵测试",
        category="system_outage",
        plan="phone",
        lead_group=Team.objects.get(code="phone"),
        detected_at="2026-11-01T00:00:00Z",
        reported_by=users["agent"],
        termination_requested_by=users["phone_lead"],
        termination_round=1,
        termination_deadline="2099-01-01T00:00:00Z",
    )
    Incident.objects.filter(pk=incident.pk).update(state=state)  # set up the state under test directly
    if state == State.INVESTIGATING:
        Investigation.objects.create(
            incident=incident,
            direct_cause="a",
            root_cause="b",
            is_internal_cause=False,
            consequences="c",
            lessons_learned="d",
        )
    return incident


@pytest.mark.parametrize("state", [s.value for s in State])
@pytest.mark.parametrize("name", TRANSITIONS)
def test_role_transition_state_matrix(org, api, state, name):
    results = {}
    for username in USERS:
        incident = incident_in(state, org)
        response = api(username).post(
            f"/api/v1/incidents/{incident.pk}/transitions/{name}/", body_for(name), format="json"
        )
        results[username] = (response.status_code, response.json().get("state") or response.json())

    for username, (status, body) in results.items():
        allowed = SOURCE[name] == state and username in ALLOWED[name]
        if allowed:
            assert status == 200 and body == TARGET[name], (username, status, body)
        elif username == "acd":
            assert status == 404, (username, status)  # integrators see no incidents at all
        elif SOURCE[name] != state:
            assert status == 409, (username, status, body)
        else:
            assert status == 403, (username, status, body)


@pytest.mark.parametrize(
    ("plan", "co_approver", "outsider"),
    [("sudden", "security_head", "hq_office"), ("complaint", "hq_office", "security_head")],
)
def test_co_approvers_of_each_plan(org, api, plan, co_approver, outsider):
    """Art. 16/17: the building head of security co-approves `sudden`, the head-office general office
    `complaint`; neither approves the other's plan."""
    incident = incident_in(State.TERMINATION_REQUESTED, org)
    Incident.objects.filter(pk=incident.pk).update(plan=plan, lead_group=Team.objects.get(code=plan))
    url = f"/api/v1/incidents/{incident.pk}/transitions/approve_termination/"
    assert api(outsider).post(url, {}, format="json").status_code == 403
    first = api(co_approver).post(url, {}, format="json")
    assert first.status_code == 200 and first.json()["state"] == "termination_requested"
    assert [a["slot"] for a in first.json()["approvals"]] == [
        co_approver.replace("security_head", "building_security").replace("hq_office", "hq_general_office")
    ]
    again = api(co_approver).post(url, {}, format="json")
    assert again.status_code == 409  # one approval per approver per round
    last = api("supervisor").post(url, {}, format="json")
    assert last.status_code == 200 and last.json()["state"] == "terminated"
    assert set(last.json()["required_approvals"]) == {
        ApprovalSlot.LEADERSHIP,
        co_approver.replace("security_head", "building_security").replace("hq_office", "hq_general_office"),
    }


def test_four_eyes_reporter_cannot_decide_their_own_report(org, api, declare):
    incident = declare("supervisor")
    pk = incident["id"]
    assert (
        api("supervisor")
        .post(f"/api/v1/incidents/{pk}/transitions/report/", body_for("report"), format="json")
        .status_code
        == 200
    )
    refused = api("supervisor").post(
        f"/api/v1/incidents/{pk}/transitions/activate/", body_for("activate"), format="json"
    )
    assert refused.status_code == 403 and "四眼原则" in refused.json()["detail"]
    detail = api("supervisor").get(f"/api/v1/incidents/{pk}/").json()
    assert "activate" not in detail["available_transitions"]
    assert "activate" in api("gm").get(f"/api/v1/incidents/{pk}/").json()["available_transitions"]


def test_four_eyes_requester_cannot_approve_their_own_termination(org, api):
    """When the deputy also leads the lead group, their own termination request needs the leader."""
    User = get_user_model()
    deputy = User.objects.get(username="supervisor")
    phone = Team.objects.get(code="phone")
    phone.memberships.filter(role="lead").delete()
    phone.memberships.create(person=deputy.person, role="lead")
    incident = incident_in(State.TERMINATION_REQUESTED, org)
    Incident.objects.filter(pk=incident.pk).update(termination_requested_by=deputy)
    url = f"/api/v1/incidents/{incident.pk}/transitions/approve_termination/"
    refused = api("supervisor").post(url, {}, format="json")
    assert refused.status_code == 403 and "四眼原则" in refused.json()["detail"]
    assert api("gm").post(url, {}, format="json").json()["state"] == "terminated"
