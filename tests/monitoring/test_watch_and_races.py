"""Art. 18's post-event watch, and the feed under concurrency (real threads, own connections, PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident
from monitoring.models import EarlyWarning, SystemEvent
from tests.incidents.lifecycle import move
from tests.incidents.test_races import race

from .test_api import URL, bad, figure, slot


@pytest.mark.django_db
def test_a_recurrence_after_termination_is_linked_to_the_terminated_incident(api):
    fired = api("acd").post(URL, [bad(slot(120)), bad(slot(105))], format="json").json()["warnings"]
    first = next(w["incident"] for w in fired if w["rule"] == "answer_rate_severe")
    for username, name in [
        ("agent", "report"),
        ("gm", "activate"),
        ("phone_lead", "execute"),
        ("phone_lead", "request_termination"),
        ("gm", "approve_termination"),
    ]:
        assert move(api, username, first, name).status_code == 200, name
    assert Incident.objects.get(pk=first).state == "terminated"

    api("acd").post(URL, figure(slot(90)), format="json")
    again = api("acd").post(URL, [bad(slot(30)), bad(slot(15))], format="json").json()["warnings"]
    second = next(w for w in again if w["rule"] == "answer_rate_severe")
    assert second["outcome"] == "declared" and second["incident"] != first
    recurrence = Incident.objects.get(pk=second["incident"])
    assert recurrence.related_incident_id == first and recurrence.state == "monitoring"


@pytest.mark.django_db(transaction=True)
def test_two_downs_at_once_open_one_incident(org):
    at = (timezone.now() - timedelta(minutes=1)).isoformat()
    statuses = race(
        org, ["acd"] * 4, "/api/v1/monitoring/system-events/", {"system": "ivr", "status": "down", "at": at}
    )
    assert sorted(statuses) == [200, 200, 200, 201]
    assert Incident.objects.filter(source_key="system:ivr").count() == 1
    assert SystemEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_posted_at_once_fires_once(org):
    batch = [bad(slot(45)), bad(slot(30))]
    statuses = race(org, ["acd"] * 3, URL, batch)
    assert statuses == [200, 200, 200]
    assert EarlyWarning.objects.filter(rule_code="answer_rate_severe").count() == 1
    assert Incident.objects.filter(source_key="rule:answer_rate_severe:PS").count() == 1
