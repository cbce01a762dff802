"""The overdue-action reminder is an escalation timer fired by the one sweep, run by a real Celery worker and
its beat against a real Redis (no eager mode, no scan of its own): the owner is reminded once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import Notification, Timer, TimerKind
from reports import services as report_services
from tests.escalation.helpers import wait_until
from tests.escalation.worker import RedisServer, Worker

from .builders import person, run_to_investigation

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


@pytest.fixture
def worker(transactional_db, tmp_path):
    redis = RedisServer()
    redis.start()
    process = Worker(redis.url, tmp_path)
    yield process
    process.stop()
    redis.stop()


def test_the_sweep_reminds_the_owner_of_an_overdue_action_once(org, worker):
    incident = run_to_investigation(org, warned_in_advance=False)
    action = report_services.corrective_action_add(
        incident_id=incident.pk,
        user=org["gm"],
        data={
            "kind": "corrective",
            "title": "补齐备件",
            "owner": person("phone_lead").pk,
            "due_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
    )
    reminders = Notification.objects.filter(event="action_overdue", recipient=org["phone_lead"])
    worker.start()
    assert wait_until(lambda: reminders.exists(), timeout=60), "the sweep never reminded the owner"
    clock = Timer.objects.filter(kind=TimerKind.CORRECTIVE_ACTION_OVERDUE, payload__record=action.pk)
    assert wait_until(lambda: clock.filter(fired_at__isnull=False).count() == 1, timeout=10)
    next_one = clock.get(fired_at=None, cancelled_at=None)
    assert next_one.due_at > timezone.now() + timedelta(hours=23)
    first = set(reminders.values_list("pk", flat=True))
    wait_until(lambda: False, timeout=3)  # several more sweeps (one a second)
    assert set(reminders.values_list("pk", flat=True)) == first  # reminded once, not once per sweep
