"""The overdue-action reminder, run by a real Celery worker against the real broker (no eager mode)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from reports import services as report_services
from reports.models import CorrectiveAction

from .builders import person, run_to_investigation

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_overdue_reminder_runs_in_a_real_worker(org):
    from reports.tasks import remind_overdue_actions

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
    settings_dict = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
            f"/{settings_dict['NAME']}"
        ),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        remind_overdue_actions.delay()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            action.refresh_from_db()
            if action.last_reminded_at:
                break
            time.sleep(0.3)
        assert action.last_reminded_at is not None, "the worker never ran the reminder"
        first = action.last_reminded_at
        remind_overdue_actions.delay()  # a second run within the period reminds nobody again
        time.sleep(2)
        assert CorrectiveAction.objects.get(pk=action.pk).last_reminded_at == first
    finally:
        worker.terminate()
        worker.wait(timeout=20)
