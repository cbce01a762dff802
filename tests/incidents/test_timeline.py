"""The timeline is append-only at the database and tamper-evident by its hash chain (DESIGN §3)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, InternalError, connection, transaction

from incidents.models import TimelineEntry

from .lifecycle import move

pytestmark = pytest.mark.django_db

REFUSED = (InternalError, IntegrityError)


def entries_of(pk: int) -> list[TimelineEntry]:
    return list(TimelineEntry.objects.filter(incident_id=pk).order_by("seq"))


def test_update_and_delete_are_refused_by_the_database(org, api, declare):
    pk = declare()["id"]
    entry = entries_of(pk)[0]
    with pytest.raises(REFUSED), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE incidents_timelineentry SET comment = 'rewritten' WHERE id = %s", [entry.pk])
    with pytest.raises(REFUSED), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM incidents_timelineentry WHERE id = %s", [entry.pk])
    with pytest.raises(REFUSED), transaction.atomic():
        TimelineEntry.objects.filter(pk=entry.pk).delete()
    assert TimelineEntry.objects.get(pk=entry.pk).comment == entry.comment


def test_each_entry_chains_to_the_previous_one(org, api, declare):
    pk = declare()["id"]
    move(api, "agent", pk, "report")
    move(api, "gm", pk, "activate")
    entries = entries_of(pk)
    assert entries[0].prev_hash == "0" * 64
    for previous, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == previous.hash
        assert entry.hash == entry.compute_hash()
    # Who, role, when, from, to — as an auditor reads it.
    activate = entries[-1]
    assert (activate.actor_name, activate.actor_role, activate.from_state, activate.to_state) == (
        "王建国", "leader", "reported", "activated",
    )  # fmt: skip
    assert activate.payload["grade"] == "II" and activate.payload["lead_group"]["name"]


def test_verify_timeline_names_the_first_altered_entry(org, api, declare):
    pk = declare()["id"]
    move(api, "agent", pk, "report")
    move(api, "gm", pk, "activate")
    call_command("verify_timeline")  # intact: no error
    second = entries_of(pk)[1]
    # Behind the app's back: an operator with table-owner rights disables the trigger and edits a row.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE incidents_timelineentry DISABLE TRIGGER USER")
        cursor.execute("UPDATE incidents_timelineentry SET comment = '没有影响' WHERE id = %s", [second.pk])
        cursor.execute("ALTER TABLE incidents_timelineentry ENABLE TRIGGER USER")
    with pytest.raises(CommandError) as failure:
        call_command("verify_timeline")
    assert f"incident #{pk}, entry seq 2" in str(failure.value) and "altered" in str(failure.value)
