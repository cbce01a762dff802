"""A truthful event start (Art. 19, issue 14): given at declaration, corrected later by the Leadership Group
with a reason as a timeline entry; "warned in advance" is computed from the real times, both outcomes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, TimelineEntry

from .lifecycle import move

pytestmark = pytest.mark.django_db


def test_the_declaring_user_gives_when_the_event_began(api, declare):
    began = timezone.now() - timedelta(minutes=20)
    incident = declare(started_at=began.isoformat())
    assert Incident.objects.get(pk=incident["id"]).started_at == began
    assert incident["started_at"] is not None
    later = declare(started_at=(timezone.now() + timedelta(hours=1)).isoformat(), expect=None)
    assert later is None


def test_without_it_the_start_is_the_detection(declare):
    incident = declare()
    row = Incident.objects.get(pk=incident["id"])
    assert row.started_at == row.detected_at


def test_the_leadership_group_corrects_it_with_a_reason_on_the_timeline(api, declare):
    incident = declare()
    before = Incident.objects.get(pk=incident["id"]).started_at
    new = timezone.now() - timedelta(minutes=1)
    url = f"/api/v1/incidents/{incident['id']}/event-start/"
    assert api("gm").post(url, {"started_at": new.isoformat()}, format="json").status_code == 400  # no reason
    assert (
        api("agent").post(url, {"started_at": new.isoformat(), "reason": "x"}, format="json").status_code
        == 403
    )
    assert (
        api("auditor").post(url, {"started_at": new.isoformat(), "reason": "x"}, format="json").status_code
        == 403
    )
    response = api("supervisor").post(
        url, {"started_at": new.isoformat(), "reason": "监控日志显示故障始于此时"}, format="json"
    )
    assert response.status_code == 200, response.content
    entry = TimelineEntry.objects.get(incident_id=incident["id"], action="event_start_corrected")
    assert entry.comment == "监控日志显示故障始于此时"
    assert entry.payload == {"from": before.isoformat(), "to": new.isoformat()}
    assert Incident.objects.get(pk=incident["id"]).started_at == new
    bad = api("gm").post(url, {"started_at": "2025-01-01T00:00:00+15:00", "reason": "x"}, format="json")
    assert bad.status_code == 400 and "started_at" in bad.json()["errors"]


def test_no_correction_on_a_closed_case(api, declare, monkeypatch):
    incident = declare()
    Incident.objects.filter(pk=incident["id"]).update(state="closed")
    response = api("gm").post(
        f"/api/v1/incidents/{incident['id']}/event-start/",
        {"started_at": timezone.now().isoformat(), "reason": "x"},
        format="json",
    )
    assert response.status_code == 409


def test_the_regulator_decision_waits_for_activation_on_the_api_as_on_the_page(api, declare, client, org):
    incident = declare()
    body = {"decision": "report", "comment": "须报告"}
    url = f"/api/v1/incidents/{incident['id']}/regulator-decision/"
    assert api("gm").post(url, body, format="json").status_code == 403
    move(api, "agent", incident["id"], "report")
    assert api("gm").post(url, body, format="json").status_code == 403
    client.force_login(org["gm"])
    decision_form = f'action="{reverse("regulator-decision", args=[incident["id"]])}"'
    assert decision_form not in client.get(f"/incidents/{incident['id']}/").content.decode()
    move(api, "supervisor", incident["id"], "activate")
    assert decision_form in client.get(f"/incidents/{incident['id']}/").content.decode()
    assert api("gm").post(url, body, format="json").status_code == 200
