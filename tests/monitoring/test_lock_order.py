"""One lock order, the incident row first (issue 11): system up/down events racing transitions of the same
incident never deadlock. Real threads, each with its own PostgreSQL connection, released at one instant.

Before the fix, ``system up`` cancelled the outage timer rows and only then locked the incident, while a
transition locks the incident and then cancels its timers: the two could wait on each other until
PostgreSQL broke the deadlock with an error (a 500). Run it many times in a row to trust it:
``make test PYTEST_ARGS="tests/monitoring/test_lock_order.py --count 20 -x"`` (pytest-repeat).
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from escalation.models import Timer
from incidents.models import Incident, State, TimelineEntry
from monitoring.models import MonitoredSystem, SystemStatus
from tests.incidents.lifecycle import body_for, move

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = "/api/v1/monitoring/system-events/"
ROUNDS = 4


def _race(org: dict, requests: list[tuple[str, str, dict[str, Any]]]) -> list[int]:
    """POST each (user, url, body) from its own thread, all released at the same instant."""
    tokens = {name: Token.objects.get_or_create(user=org[name])[0].key for name, _u, _b in requests}
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = []

    def worker(username: str, url: str, body: dict[str, Any]) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[username]}")
        try:
            barrier.wait()
            statuses.append(client.post(url, body, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request is still waiting: a lock cycle"
    return statuses


def _event(status: str, seconds_ago: int) -> dict[str, Any]:
    at = timezone.now() - timedelta(seconds=seconds_ago)
    return {"system": "ivr", "status": status, "at": at.isoformat()}


def _chain_is_whole(incident_id: int) -> bool:
    seqs = list(
        TimelineEntry.objects.filter(incident_id=incident_id).order_by("seq").values_list("seq", flat=True)
    )
    return seqs == list(range(1, len(seqs) + 1))


def _down(org: dict, api: Any, seconds_ago: int) -> int:
    response = api("acd").post(EVENTS, _event("down", seconds_ago), format="json")
    assert response.status_code in (200, 201), response.content
    return MonitoredSystem.objects.get(code="ivr").current_incident_id


@pytest.mark.parametrize("transition", ["dismiss", "report"])
def test_system_up_racing_a_transition_never_deadlocks(org, api, transition):
    for round_number in range(ROUNDS):
        incident_id = _down(org, api, seconds_ago=600 - round_number * 100)
        assert Timer.objects.filter(incident_id=incident_id, kind="outage_limit", cancelled_at=None).exists()
        mover = "supervisor" if transition == "dismiss" else "agent"
        statuses = _race(
            org,
            [
                ("acd", EVENTS, _event("up", seconds_ago=590 - round_number * 100)),
                (mover, f"/api/v1/incidents/{incident_id}/transitions/{transition}/", body_for(transition)),
            ]
            * 2,
        )
        assert 500 not in statuses, statuses
        assert all(status in (200, 201, 409) for status in statuses), statuses
        incident = Incident.objects.get(pk=incident_id)
        assert incident.state == (State.DISMISSED if transition == "dismiss" else State.REPORTED)
        assert MonitoredSystem.objects.get(code="ivr").status == SystemStatus.UP
        # Whoever went first, the outage clock is over: nothing pending is left about the warning.
        assert not Timer.objects.filter(
            incident_id=incident_id, kind__startswith="outage_", fired_at=None, cancelled_at=None
        ).exists()
        assert _chain_is_whole(incident_id)
        if transition == "report":  # close the warning, so the next round's outage opens a new incident
            assert move(api, "gm", incident_id, "decline").status_code == 200


def test_system_down_racing_a_transition_of_its_open_incident_never_deadlocks(org, api):
    for round_number in range(ROUNDS):
        incident_id = _down(org, api, seconds_ago=900 - round_number * 200)
        recovered = api("acd").post(EVENTS, _event("up", 880 - round_number * 200), format="json")
        assert recovered.status_code == 201, recovered.content
        statuses = _race(
            org,
            [
                ("acd", EVENTS, _event("down", seconds_ago=860 - round_number * 200)),
                ("agent", f"/api/v1/incidents/{incident_id}/transitions/report/", body_for("report")),
                ("acd", EVENTS, _event("up", seconds_ago=850 - round_number * 200)),
            ],
        )
        assert 500 not in statuses, statuses
        assert all(status in (200, 201, 409) for status in statuses), statuses
        assert Incident.objects.get(pk=incident_id).state == State.REPORTED
        assert _chain_is_whole(incident_id)
        # Leave the system up and the warning closed for the next round.
        api("acd").post(EVENTS, _event("up", 840 - round_number * 200), format="json")
        assert move(api, "gm", incident_id, "decline").status_code == 200
