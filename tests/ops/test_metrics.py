"""/metrics shows what the operators alert on, computed from the rows (any process answers the same)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from escalation import services as escalation_services
from escalation.models import Notification, TimerKind
from incidents import services as incident_services
from incidents.models import Incident
from ops import services

pytestmark = pytest.mark.django_db


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _declare(org):
    return incident_services.incident_declare(
        user=org["supervisor"],
        data={
            "title": "指标测试",
            "category": "service_level",
            "description": "测试",
            "detected_at": timezone.now().isoformat(),
        },
    )


def test_metrics_expose_lateness_backlog_sweep_failures_and_open_incidents(
    client, org, django_assert_max_num_queries
):
    incident = _declare(org)
    now = timezone.now()
    with transaction.atomic():
        late = escalation_services.timer_schedule(
            incident=incident,
            kind=TimerKind.REMINDER,
            due_at=now - timedelta(seconds=3),
            payload={"audience": [f"user:{org['gm'].pk}"], "event": "reminder", "context": {"text": "x"}},
        )
        escalation_services.timer_schedule(
            incident=incident,
            kind=TimerKind.REMINDER,
            due_at=now - timedelta(seconds=40),
            payload={"audience": [f"user:{org['gm'].pk}"], "event": "reminder", "context": {"text": "y"}},
        )
    assert escalation_services.timer_fire(timer_id=late.pk) == "fired"  # about 3 s late
    Notification.objects.create(
        incident=incident, event="reminder", channel="wecom", subject="s", body="b", status="failed"
    )
    services.heartbeat_record(name="sweep", at=timezone.now() - timedelta(seconds=12))

    with django_assert_max_num_queries(10):
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    got = _samples(response.content.decode())

    assert got[("desk_timer_lateness_seconds_bucket", (("le", "2.0"),))] == 0
    assert got[("desk_timer_lateness_seconds_bucket", (("le", "5.0"),))] == 1
    assert got[("desk_timer_lateness_seconds_count", ())] == 1
    assert 3 <= got[("desk_timer_lateness_seconds_sum", ())] < 5
    assert got[("desk_timers_due_unfired", ())] >= 1
    assert got[("desk_timers_oldest_due_unfired_seconds", ())] >= 40
    assert 12 <= got[("desk_sweep_last_run_age_seconds", ())] < 20
    assert got[("desk_notification_failures_total", (("channel", "wecom"),))] == 1
    assert got[("desk_notification_failures_total", (("channel", "email"),))] == 0
    open_rows = {labels: n for (name, labels), n in got.items() if name == "desk_incidents_open"}
    fresh = Incident.objects.get(pk=incident.pk)
    assert open_rows[(("plan", fresh.plan or "none"), ("state", str(fresh.state)))] >= 1, open_rows
    assert got[("desk_broker_up", ())] == 1


def test_metrics_token_when_configured(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape").status_code == 200
