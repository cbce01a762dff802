"""Acting leaders (issue 14): the leader or deputy names someone to act for them for a period (who, from, to,
why); during it that person holds the decider's rights, four-eyes still applies, every decision records whom
they acted for, escalations reach them, and the report names them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation import services as escalation_services
from escalation.models import Notification, Timer
from incidents.models import Incident, TimelineEntry
from teams.models import ActingLeader, Person
from tests.incidents.lifecycle import move

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _local(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def _appoint(
    client, org, by: str, person: str, *, starts=None, hours: float = 12, reason="组长夜间外出，由张接通代理"
):
    client.force_login(org[by])
    starts = starts or timezone.now() - timedelta(minutes=5)
    return client.post(
        "/org/acting/",
        {
            "person": Person.objects.get(user__username=person).pk,
            "starts_at": _local(starts),
            "ends_at": _local(starts + timedelta(hours=hours)),
            "reason": reason,
        },
    )


def test_an_acting_leader_activates_at_night_and_the_report_names_them(client, org, api, declare):
    response = _appoint(client, org, "gm", "phone_lead")
    assert response.status_code == 302, response.content.decode()[:3000]
    acting = ActingLeader.objects.get()
    assert (acting.acts_for, acting.acts_for_person.name, acting.appointed_by.username) == (
        "leader",
        "王建国",
        "gm",
    )
    page = client.get("/org/").content.decode()
    assert "张接通" in page and "组长夜间外出" in page

    incident = declare(category="service_level")
    assert move(api, "agent", incident["id"], "report").status_code == 200
    response = move(api, "phone_lead", incident["id"], "activate")
    assert response.status_code == 200, response.content
    entry = TimelineEntry.objects.get(incident_id=incident["id"], action="activate")
    assert entry.actor_name == "张接通" and entry.actor_role == "acting_leader"
    assert entry.payload["acting_for"] == {"role": "leader", "for": "王建国"}

    client.force_login(org["auditor"])
    report = client.get(f"/reports/incidents/{incident['id']}/").content.decode()
    assert "代理组长（代 王建国）" in report
    assert "代理组长（代 王建国）" in client.get(f"/incidents/{incident['id']}/").content.decode()


def test_four_eyes_still_applies_to_the_acting_leader(client, org, api, declare):
    _appoint(client, org, "gm", "phone_lead")
    incident = declare(category="service_level")
    move(api, "phone_lead", incident["id"], "report")
    refused = move(api, "phone_lead", incident["id"], "activate")
    assert refused.status_code == 403 and "四眼原则" in refused.json()["detail"]


def test_no_rights_outside_the_period_or_once_ended(client, org, api, declare):
    _appoint(client, org, "gm", "phone_lead", starts=timezone.now() + timedelta(hours=2))  # tonight, not yet
    incident = declare(category="service_level")
    move(api, "agent", incident["id"], "report")
    assert move(api, "phone_lead", incident["id"], "activate").status_code == 403
    _appoint(client, org, "supervisor", "sudden_lead")  # the deputy names an acting deputy, now
    acting = ActingLeader.objects.get(person__user__username="sudden_lead")
    assert acting.acts_for == "deputy"
    client.force_login(org["supervisor"])
    assert client.post(f"/org/acting/{acting.pk}/end/").status_code == 302
    assert move(api, "sudden_lead", incident["id"], "activate").status_code == 403
    assert ActingLeader.objects.get(pk=acting.pk).ended_at is not None  # kept, with when it ended


def test_who_may_name_an_acting_leader_and_whom(client, org):
    assert _appoint(client, org, "phone_lead", "agent").status_code == 403
    assert _appoint(client, org, "auditor", "agent").status_code == 403
    refused = _appoint(client, org, "gm", "auditor")
    assert refused.status_code == 400 and "审计人员和系统接入方不能代理" in refused.content.decode()
    assert _appoint(client, org, "gm", "gm").status_code == 400
    too_long = _appoint(client, org, "gm", "phone_lead", hours=24 * 40)
    assert too_long.status_code == 400 and "一次代理最长 31 天" in too_long.content.decode()
    assert not ActingLeader.objects.exists()


def test_escalation_reaches_the_acting_leader(client, org, api, declare):
    _appoint(client, org, "gm", "complaint_lead")
    incident = declare(category="service_level")
    move(api, "agent", incident["id"], "report")
    Timer.objects.filter(incident_id=incident["id"], kind="decision_pending").update(
        due_at=timezone.now() - timedelta(seconds=1)
    )
    escalation_services.timers_sweep()
    reached = set(
        Notification.objects.filter(
            incident_id=incident["id"], event="decision_pending", channel="inbox"
        ).values_list("recipient__username", flat=True)
    )
    assert {"gm", "supervisor", "complaint_lead"} <= reached


def test_the_acting_leader_may_close_and_an_acting_deputy_may_not(client, org):
    from incidents import policies

    _appoint(client, org, "gm", "phone_lead")
    _appoint(client, org, "supervisor", "sudden_lead")
    incident = Incident(state="investigating")
    for name in ("phone_lead", "sudden_lead"):
        org[name].__dict__.pop("_org_actor", None)
    assert policies.may_close(incident, org["phone_lead"])
    assert not policies.may_close(incident, org["sudden_lead"])
