"""The overdue corrective action is on the one measure clock (issue 13), fired by the one sweep run by a
real Celery worker and its beat against a real Redis (no eager mode, no scan of its own): the owner, then
the lead group's lead, then the leader and deputy are told, each once."""

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


def test_the_sweep_escalates_an_overdue_action_once_per_step(org, worker):
    incident = run_to_investigation(org, warned_in_advance=False)
    action = report_services.corrective_action_add(
        incident_id=incident.pk,
        user=org["gm"],
        data={
            "kind": "corrective",
            "title": "补齐备件",
            "owner": person("agent").pk,
            "due_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
    )
    told = Notification.objects.filter(
        event="measure_overdue", channel="inbox", timer__payload__measure="corrective_action"
    )
    worker.start()
    assert wait_until(lambda: told.filter(recipient=org["supervisor"]).exists(), timeout=60), told
    clock = Timer.objects.filter(kind=TimerKind.CORRECTIVE_ACTION_OVERDUE, payload__record=action.pk)
    assert wait_until(lambda: clock.filter(fired_at__isnull=False).count() == 3, timeout=10)
    first = sorted(told.values_list("timer__payload__step", "recipient__username"))
    wait_until(lambda: False, timeout=3)  # several more sweeps (one a second)
    assert (
        sorted(told.values_list("timer__payload__step", "recipient__username"))
        == first
        == [
            (1, "agent"),
            (2, "phone_lead"),
            (3, "gm"),
            (3, "supervisor"),
        ]
    )
