"""Two people acting at once yield exactly one state change; the others get 409, never a 500 (DESIGN §3)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.models import Incident, State, TerminationApproval, TimelineEntry

from .lifecycle import body_for, move

pytestmark = pytest.mark.django_db(transaction=True)


def race(org, usernames: list[str], url: str, body: dict) -> list[int]:
    """POST the same request from several threads released at the same instant; each thread has its own
    database connection, as separate web workers would."""
    tokens = {name: Token.objects.get_or_create(user=org[name])[0].key for name in set(usernames)}
    barrier = threading.Barrier(len(usernames))
    statuses: list[int] = []

    def worker(username: str) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[username]}")
        try:
            barrier.wait()
            statuses.append(client.post(url, body, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in usernames]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_concurrent_activation_changes_state_once(org, api, declare):
    pk = declare("supervisor")["id"]
    assert move(api, "agent", pk, "report").status_code == 200
    statuses = race(
        org, ["gm", "supervisor"] * 4, f"/api/v1/incidents/{pk}/transitions/activate/", body_for("activate")
    )
    assert sorted(statuses) == [200] + [409] * 7
    assert Incident.objects.get(pk=pk).state == State.ACTIVATED
    assert TimelineEntry.objects.filter(incident_id=pk, action="activate").count() == 1


def test_concurrent_termination_approvals_record_one_approval(org, api, declare):
    pk = declare("supervisor")["id"]
    for username, name in [
        ("agent", "report"),
        ("gm", "activate"),
        ("phone_lead", "execute"),
        ("phone_lead", "request_termination"),
    ]:
        assert move(api, username, pk, name).status_code == 200
    statuses = race(
        org,
        ["gm", "supervisor"] * 4,
        f"/api/v1/incidents/{pk}/transitions/approve_termination/",
        {"comment": "同意"},
    )
    assert sorted(statuses) == [200] + [409] * 7
    assert Incident.objects.get(pk=pk).state == State.TERMINATED
    assert TerminationApproval.objects.filter(incident_id=pk).count() == 1
    assert TimelineEntry.objects.filter(incident_id=pk, action="approve_termination").count() == 1
    seqs = list(TimelineEntry.objects.filter(incident_id=pk).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
