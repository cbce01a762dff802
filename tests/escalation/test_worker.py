"""Timers under a real Celery worker and a real Redis (no eager mode): they fire once and only once, on
time, through SIGKILL, FLUSHALL and a broker outage; the 60-minute clock reports by itself (compressed)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from escalation import services
from escalation.models import Escalation, EscalationPolicy, Notification, Timer, TimerKind
from incidents import services as incident_services
from incidents.models import Incident, TimelineEntry

from .helpers import wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


def _declare(org, *, category: str = "service_level", system: str = "", seconds_ago: int = 0) -> Incident:
    return incident_services.incident_declare(
        user=org["supervisor"],
        data={
            "title": "测试事件",
            "category": category,
            "description": "测试",
            "detected_at": (timezone.now() - timedelta(seconds=seconds_ago)).isoformat(),
            "affected_system": system,
        },
    )


def _reminders(org, count: int, first_in: float, spread: float) -> list[int]:
    """``count`` reminder timers to gm's inbox, due between first_in and first_in + spread seconds."""
    incidents = [_declare(org) for _ in range(3)]
    now = timezone.now()
    ids = []
    with transaction.atomic():
        for n in range(count):
            timer = services.timer_schedule(
                incident=incidents[n % 3],
                kind=TimerKind.REMINDER,
                due_at=now + timedelta(seconds=first_in + spread * n / max(count - 1, 1)),
                payload={
                    "audience": [f"user:{org['gm'].pk}"],
                    "event": "reminder",
                    "context": {"text": f"#{n}"},
                },
            )
            ids.append(timer.pk)
    return ids


def _fired_once(ids: list[int]) -> tuple[int, int, int]:
    """(fired, lost, doubled) counted by what the user got: inbox messages per timer."""
    per_timer = Counter(
        Notification.objects.filter(timer_id__in=ids, channel="inbox").values_list("timer_id", flat=True)
    )
    fired = Timer.objects.filter(pk__in=ids, fired_at__isnull=False).count()
    lost = sum(1 for pk in ids if per_timer[pk] == 0)
    doubled = sum(1 for pk in ids if per_timer[pk] > 1)
    return fired, lost, doubled


def _all_delivered(ids):
    return lambda: _fired_once(ids)[0] == len(ids) and _fired_once(ids)[1] == 0


def test_outage_clock_reports_exactly_once_and_recovery_cancels(org, settings, celery_worker_process):
    settings.OUTAGE_LIMIT_SECONDS = 4
    settings.OUTAGE_WARNING_SECONDS = [2]
    celery_worker_process.start()
    down = _declare(org, category="system_outage", system="IVR")
    recovered = _declare(org, category="system_outage", system="CRM")
    time.sleep(1)
    with transaction.atomic():
        services.outage_clock_cancel(
            incident=Incident.objects.get(pk=recovered.pk), recovered_at=timezone.now()
        )

    assert wait_until(lambda: Incident.objects.get(pk=down.pk).state == "reported", timeout=20)
    time.sleep(2.5)  # give a double-fire every chance to show itself

    reports = TimelineEntry.objects.filter(incident=down, action="report")
    assert reports.count() == 1
    report = reports.get()
    assert report.actor_name == "系统" and report.comment == "outage exceeded 60 minutes"
    leadership = set(
        Notification.objects.filter(incident=down, event="outage_reported", channel="inbox").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"gm", "supervisor"} <= leadership  # the leader and deputy (and any members) are told …
    assert Notification.objects.filter(
        incident=down, event="outage_reported", channel="inbox"
    ).count() == len(leadership)
    assert Notification.objects.filter(incident=down, event="outage_warning").exists()  # … after the warning
    assert (
        Timer.objects.filter(incident=down, kind=TimerKind.DECISION_PENDING, fired_at__isnull=True).count()
        == 2
    )

    assert Incident.objects.get(pk=recovered.pk).state == "monitoring"
    assert not TimelineEntry.objects.filter(incident=recovered, action="report").exists()
    assert not Timer.objects.filter(
        incident=recovered, kind__in=services.OUTAGE_KINDS, fired_at__isnull=False
    ).exists()
    assert Notification.objects.filter(incident=recovered, event="outage_recovered").exists()


def test_a_policy_edited_while_an_escalation_runs_does_not_change_it(org, api, celery_worker_process):
    # seed_demo now installs the default policies too: set this one to a short chain for the test
    EscalationPolicy.objects.update_or_create(
        code="decision_pending",
        defaults={
            "name": "待决策提醒",
            "steps": [{"after_seconds": 2, "audience": ["leadership_deciders"], "event": "decision_pending"}],
        },
    )
    incident = _declare(org)
    response = api("agent").post(
        f"/api/v1/incidents/{incident.pk}/transitions/report/",
        {"situation": "接通率低", "impact": "排队", "grade": "III"},
        format="json",
    )
    assert response.status_code == 200
    EscalationPolicy.objects.filter(code="decision_pending").update(
        steps=[{"after_seconds": 1, "audience": [f"user:{org['auditor'].pk}"], "event": "reminder"}]
    )
    celery_worker_process.start()
    assert wait_until(
        lambda: Notification.objects.filter(incident=incident, event="decision_pending").exists(), timeout=15
    )
    time.sleep(1.5)
    told = set(
        Notification.objects.filter(incident=incident, channel="inbox", timer__isnull=False).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"gm", "supervisor"}
    assert Escalation.objects.get(incident=incident).snapshot["steps"][0]["audience"] == [
        "leadership_deciders"
    ]


def test_worker_killed_with_sigkill_every_timer_fires_once_after_restart(org, celery_worker_process):
    celery_worker_process.start()
    ids = _reminders(org, 30, first_in=2.5, spread=3)
    time.sleep(1.5)  # the nudges are now held in the worker's memory
    celery_worker_process.kill9()
    time.sleep(4)  # timers fall due while no worker runs
    celery_worker_process.start()
    assert wait_until(_all_delivered(ids), timeout=30)
    time.sleep(2)
    assert _fired_once(ids) == (30, 0, 0)


def test_redis_flushed_with_timers_pending_every_timer_fires_once(org, private_redis, celery_worker_process):
    ids = _reminders(org, 30, first_in=3, spread=3)  # nudges queued in Redis before any worker runs
    private_redis.flushall()
    celery_worker_process.start()
    assert wait_until(_all_delivered(ids), timeout=30)
    time.sleep(2)
    assert _fired_once(ids) == (30, 0, 0)
    # On time, counted in sweeps rather than in seconds of this process (a loaded machine slows the worker's
    # start and every sweep alike). Once a timer was due, the worker up and any message about it (the ETA
    # nudge a sweep re-sent: ``nudged_at``) a period old, the next sweep had to fire it; at most one such
    # sweep may end before it fired (one racing the sweep that fired it), and one that saw it "busy" (being
    # fired) does not count. A timer that waited on a message lost in the flush misses many: this fails.
    ready = celery_worker_process.ready_at()
    period = timedelta(seconds=celery_worker_process.sweep_seconds)
    sweeps = celery_worker_process.sweeps()
    assert any(sweep.started > ready for sweep in sweeps)  # the worker's log is read
    missed = {}
    rows = Timer.objects.filter(pk__in=ids).values_list("pk", "due_at", "nudged_at", "fired_at")
    for pk, due, nudged, fired in rows:
        should_by = max(due, nudged or due, ready) + period
        passed = [
            s for s in sweeps if should_by <= s.started and s.ended < fired and not s.counts.get("busy")
        ]
        if len(passed) > 1:
            missed[pk] = (fired - max(due, ready), passed)
    assert not missed, f"timers fired only after more than one sweep could have (late by, sweeps): {missed}"


def test_broker_stopped_for_a_while_timers_fire_on_recovery(org, private_redis, celery_worker_process):
    celery_worker_process.start()
    ids = _reminders(org, 20, first_in=2, spread=4)
    time.sleep(0.5)
    private_redis.stop()
    time.sleep(7)  # every timer falls due while the broker is down
    private_redis.start()
    delivered = _all_delivered(ids)
    assert wait_until(lambda: celery_worker_process.ensure_running() and delivered(), timeout=40)
    time.sleep(2)
    assert _fired_once(ids) == (20, 0, 0)
