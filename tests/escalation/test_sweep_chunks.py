"""The sweep fires a backlog in chunks — one transaction per chunk, the incident rows locked first — and hands
the chunks it does not fire itself to the other worker processes. Each timer still fires at most once, an
action inside a chunk still ends the clocks its new state does not keep, and a broken clock holds up nobody
else's. On PostgreSQL, calling the services the worker calls (the worker itself: test_worker.py)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from escalation import services
from escalation.models import Notification, Timer, TimerKind
from incidents.models import Incident

pytestmark = pytest.mark.django_db


def _reminders(incident_ids: list[int], user_id: int, per_incident: int) -> list[int]:
    due = timezone.now() - timedelta(seconds=5)
    return [
        services.timer_schedule(
            incident=Incident.objects.get(pk=incident_id),
            kind=TimerKind.REMINDER,
            due_at=due + timedelta(milliseconds=n),
            payload={"audience": [f"user:{user_id}"], "event": "reminder", "context": {"text": str(n)}},
        ).pk
        for n in range(per_incident)
        for incident_id in incident_ids
    ]


def _inbox(ids: list[int]) -> Counter:
    return Counter(
        Notification.objects.filter(timer_id__in=ids, channel="inbox").values_list("timer_id", flat=True)
    )


def test_a_backlog_is_fired_in_chunks_handed_out_once_and_each_timer_fires_once(declare, org, settings):
    settings.ESCALATION_SWEEP_SECONDS = 5
    settings.ESCALATION_NUDGE_HORIZON_SECONDS = 0  # no ETA nudge was sent for them: the sweep alone
    incidents = [declare(category="service_level", title=f"积压 {n}")["id"] for n in range(3)]
    ids = _reminders(incidents, org["gm"].pk, per_incident=4)  # 12 due, in chunks of about 4

    handed: list[list[int]] = []
    counts = services.timers_sweep(chunk=4, fan_out=handed.append, leave_nudged=True)  # as the task
    assert counts["fired"] == 4  # the first chunk (one incident's four) fired by the sweep itself
    unfired = set(Timer.objects.filter(pk__in=ids, fired_at__isnull=True).values_list("pk", flat=True))
    assert counts["handed_out"] == 8 and sorted(pk for chunk in handed for pk in chunk) == sorted(unfired)

    # A second sweep within a period leaves them to those messages: neither handed out again nor fired.
    again: list[list[int]] = []
    assert services.timers_sweep(chunk=4, fan_out=again.append, leave_nudged=True)["left_to_nudge"] == 8
    assert again == []
    for chunk in handed:  # the messages arrive, one after the other and once more (a redelivery)
        services.timers_fire_ids(timer_ids=chunk)
        services.timers_fire_ids(timer_ids=chunk)

    inbox = _inbox(ids)
    assert [inbox[pk] for pk in ids] == [1] * len(ids)  # every timer fired, none twice
    assert not Timer.objects.filter(pk__in=ids, fired_at__isnull=True).exists()


def test_an_action_in_a_chunk_ends_the_clocks_its_new_state_does_not_keep(declare, settings):
    incident = Incident.objects.get(
        pk=declare(category="system_outage", affected_system="IVR", is_drill=True)["id"]
    )
    clocks = Timer.objects.filter(incident=incident, kind__in=["outage_limit", "outage_warning"])
    limit = clocks.get(kind="outage_limit")
    warnings = list(clocks.filter(kind="outage_warning").values_list("pk", flat=True))
    # all three due at once, the limit first: the sweep fires them in one transaction
    Timer.objects.filter(pk=limit.pk).update(due_at=timezone.now() - timedelta(seconds=3))
    Timer.objects.filter(pk__in=warnings).update(due_at=timezone.now() - timedelta(seconds=2))

    services.timers_sweep()

    assert Incident.objects.get(pk=incident.pk).state == "reported"  # the limit reported it
    # the report ended the outage warnings in the same transaction: cancelled, never sent
    assert not Notification.objects.filter(incident=incident, event="outage_warning").exists()
    assert (
        Timer.objects.filter(pk__in=warnings, fired_at__isnull=True, cancelled_at__isnull=False).count() == 2
    )


def test_a_broken_clock_is_retried_alone_and_holds_up_no_other_incident(declare, org, settings):
    settings.ESCALATION_SWEEP_SECONDS = 5
    broken_incident = Incident.objects.get(pk=declare(category="system_outage", affected_system="IVR")["id"])
    other = declare(category="service_level")["id"]
    broken = Timer.objects.filter(incident=broken_incident, kind="outage_warning").order_by("due_at").first()
    # a row whose action cannot run (its audience is missing): the action raises
    Timer.objects.filter(pk=broken.pk).update(payload={}, due_at=timezone.now() - timedelta(seconds=10))
    later_same = _reminders([broken_incident.pk], org["gm"].pk, per_incident=1)
    others = _reminders([other], org["gm"].pk, per_incident=3)

    counts = services.timers_sweep()

    broken.refresh_from_db()
    assert counts["retry"] == 1 and broken.fired_at is None and "KeyError" in broken.last_error
    assert broken.due_at > timezone.now()  # tried again a sweep period later
    assert _inbox(others) == Counter({pk: 1 for pk in others})  # the other incident's clocks fired
    # the broken incident's next clock waits one sweep (a fresh transaction), then fires once
    assert counts["deferred"] == 1 and not _inbox(later_same)
    services.timers_sweep()
    assert _inbox(later_same) == Counter({later_same[0]: 1})


def _refuse_claims_of(timer_id: int) -> None:
    """Make the database refuse, for real, the claim of one timer: the chunk holding it fails inside
    PostgreSQL as a lock timeout does (SQLSTATE 55P03 → OperationalError), after its incident row was
    locked. DDL in the test's transaction: gone when the test ends."""
    from django.db import connection

    table = Timer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pg_temp.refuse_claim() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'canceling statement due to lock timeout' USING ERRCODE = 'lock_not_available'; "
            "END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER refuse_claim BEFORE UPDATE ON {table} FOR EACH ROW "
            f"WHEN (OLD.id = {int(timer_id)} AND NEW.fired_at IS NOT NULL) "
            "EXECUTE FUNCTION pg_temp.refuse_claim()"
        )


def _allow_claims() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER refuse_claim ON {Timer._meta.db_table}")


def test_a_chunk_the_database_refuses_is_logged_and_the_rest_of_the_sweep_goes_on(
    declare, org, settings, caplog
):
    settings.ESCALATION_SWEEP_SECONDS = 5
    settings.ESCALATION_NUDGE_HORIZON_SECONDS = 120
    first, refused, last = (declare(category="service_level", title=f"分块 {n}")["id"] for n in range(3))
    ids = {
        incident: _reminders([incident], org["gm"].pk, per_incident=2) for incident in (first, refused, last)
    }
    # one incident's two reminders a chunk, in due order: the refused incident's chunk is the middle one
    for incident, seconds in ((first, 9), (refused, 7), (last, 5)):
        Timer.objects.filter(pk__in=ids[incident]).update(due_at=timezone.now() - timedelta(seconds=seconds))
    # work the sweep does after its chunks: a timer entering the nudge horizon, a delivery whose task was lost
    upcoming = services.timer_schedule(
        incident=Incident.objects.get(pk=last),
        kind=TimerKind.REMINDER,
        due_at=timezone.now() + timedelta(seconds=60),
        payload={"audience": [f"user:{org['gm'].pk}"], "event": "reminder", "context": {"text": "soon"}},
    )
    Timer.objects.filter(pk=upcoming.pk).update(nudged_at=None)
    lost = services.notify(
        incident=Incident.objects.get(pk=first),
        audience=[f"user:{org['gm'].pk}"],
        event="reminder",
        context={"text": "lost"},
    )[0]
    Notification.objects.filter(pk=lost.pk).update(
        status=Notification.Status.PENDING, next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    _refuse_claims_of(ids[refused][0])

    counts = services.timers_sweep(chunk=2)

    assert counts["chunk_failed"] == 2 and counts["fired"] == 4
    assert "a chunk of 2 timers failed" in caplog.text and "lock timeout" in caplog.text
    fine = ids[first] + ids[last]
    assert _inbox(fine) == Counter({pk: 1 for pk in fine})  # the chunks before and after it fired, once
    # the refused chunk was rolled back as a whole: nothing sent, both rows still pending and due
    assert not _inbox(ids[refused])
    assert Timer.objects.filter(pk__in=ids[refused], fired_at__isnull=True, attempts=0).count() == 2
    # and the sweep still did what follows the chunks
    assert Timer.objects.get(pk=upcoming.pk).nudged_at is not None and counts["nudged"] >= 1
    assert counts["requeued"] >= 1

    _allow_claims()  # the lock is free again: the next sweep fires the held chunk, nothing twice
    again = services.timers_sweep(chunk=2)
    assert again.get("chunk_failed", 0) == 0 and again["fired"] == 2
    every = fine + ids[refused]
    assert _inbox(every) == Counter({pk: 1 for pk in every})
