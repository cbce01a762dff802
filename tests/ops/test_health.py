"""/healthz says what an operator needs: ok, degraded (sweep stale or broker unreachable) with one alert to
the admins sent outside the sweep, or 503 when the database is gone."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from ops import services
from tests.escalation.conftest import _point_celery_at
from tests.escalation.helpers import wait_until
from tests.escalation.worker import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _alert_settings(settings):
    settings.ESCALATION_SWEEP_SECONDS = 2
    settings.OPS_ALERT_EMAILS = ["duty-ops@bank.example"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_fresh_sweep_and_reachable_broker_is_ok(client):
    services.heartbeat_record(name="sweep")
    body = client.get("/healthz").json()
    assert body["status"] == "ok", body
    assert body["broker"] == "up" and body["problems"] == []
    assert mail.outbox == []


def test_stale_sweep_is_degraded_and_the_admins_hear_once_then_recovery(client):
    services.heartbeat_record(name="sweep", at=timezone.now() - timedelta(seconds=7))  # > 3 × 2 s
    response = client.get("/healthz")
    assert response.status_code == 200  # the web still serves: degrade, don't pull the pod
    assert response.json()["status"] == "degraded"
    assert response.json()["problems"] == ["sweep"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["duty-ops@bank.example"]
    assert "sweep" in mail.outbox[0].subject

    client.get("/healthz")  # every probe of every web process: still one alert
    client.get("/healthz")
    assert len(mail.outbox) == 1

    services.heartbeat_record(name="sweep")
    assert client.get("/healthz").json()["status"] == "ok"
    assert len(mail.outbox) == 2
    assert "恢复" in mail.outbox[1].subject


def test_no_sweep_ever_is_degraded(client):
    assert client.get("/healthz").json()["problems"] == ["sweep"]


def test_unreachable_broker_is_degraded(client):
    services.heartbeat_record(name="sweep")
    old = _point_celery_at(f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
    try:
        started = time.monotonic()
        body = client.get("/healthz").json()
        assert time.monotonic() - started < 10  # a probe must not hang on a dead broker
    finally:
        _point_celery_at(old)
    assert body["status"] == "degraded" and body["broker"] == "down"
    assert body["problems"] == ["broker"]
    assert len(mail.outbox) == 1 and "broker" in mail.outbox[0].subject


@pytest.mark.celery_worker
@pytest.mark.timeout(120)
def test_schedulers_stopped_turns_degraded_within_three_periods(client, settings, org, celery_worker_process):
    """A real worker with its beat (sweep every 1 s): ok while it sweeps; stopped → degraded within three
    sweep periods of the last sweep, and the admins get an e-mail sent by the web process itself."""
    settings.ESCALATION_SWEEP_SECONDS = 1
    celery_worker_process.start()
    assert wait_until(lambda: client.get("/healthz").json()["status"] == "ok", 30), client.get(
        "/healthz"
    ).json()
    mail.outbox.clear()
    celery_worker_process.stop()
    stopped = time.monotonic()
    assert wait_until(lambda: client.get("/healthz").json()["status"] == "degraded", 10, interval=0.25)
    assert time.monotonic() - stopped <= 3 * 1 + 1.0  # three periods, plus the last sweep's own run time
    assert [m.subject for m in mail.outbox if "sweep" in m.subject], [m.subject for m in mail.outbox]
