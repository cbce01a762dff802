"""Two schedulers, one leader: the PostgreSQL advisory lock decides; the leader's connection dying hands the
lock to the other at its next poll (a killed beat process: tests/ops/test_fault.py)."""

from __future__ import annotations

import pytest
from django.db import connection

from config.celery import app
from ops.models import Heartbeat
from ops.scheduler import LeaderScheduler
from tests.escalation.helpers import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def schedulers():
    pair = [LeaderScheduler(app, lazy=True), LeaderScheduler(app, lazy=True)]
    yield pair
    for scheduler in pair:
        scheduler._drop("test over")


def test_exactly_one_leads_and_a_dead_leader_hands_over(schedulers):
    first, second = schedulers
    assert first.holds_lock() is True
    assert second.holds_lock() is False
    assert first.holds_lock() is True  # still the leader on its next tick
    assert Heartbeat.objects.get(name="scheduler").detail["host"]

    with connection.cursor() as cursor:  # the leader's session dies (as with kill -9 or a network cut)
        cursor.execute("SELECT pg_terminate_backend(%s)", [first._lock_conn.get_backend_pid()])

    assert wait_until(second.holds_lock, 5)  # the backend exits, the lock goes with it
    assert first.holds_lock() is False  # reconnects, finds the lock taken, stands by
    assert second.holds_lock() is True


def test_standby_sends_nothing(schedulers, settings):
    first, second = schedulers
    first.setup_schedule()
    second.setup_schedule()
    assert first.holds_lock()
    assert second.tick() == settings.OPS_STANDBY_POLL_SECONDS
    assert second._heap is None  # never even looked at the schedule
