"""Reads of the ops app: is the desk healthy, and how old is the last sweep."""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import Heartbeat


def heartbeat_age_seconds(name: str) -> float | None:
    beat_at = Heartbeat.objects.filter(name=name).values_list("beat_at", flat=True).first()
    return None if beat_at is None else max((timezone.now() - beat_at).total_seconds(), 0.0)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        return False


def broker_ok() -> bool:
    """Can we reach the broker now? One connection attempt with a short timeout (Sentinel included)."""
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
        return True
    except Exception:  # noqa: BLE001 - unreachable, refused, no master known to the Sentinels…
        return False


def health_report() -> dict[str, Any]:
    """``ok`` / ``degraded`` (the sweep has not run for ``OPS_SWEEP_STALE_PERIODS`` periods, or the broker
    is unreachable) / ``unavailable`` (the database does not answer: nothing can be served)."""
    if not database_ok():
        return {"status": "unavailable", "database": "down", "problems": ["database"]}
    age = heartbeat_age_seconds("sweep")
    limit = settings.ESCALATION_SWEEP_SECONDS * settings.OPS_SWEEP_STALE_PERIODS
    problems = []
    if age is None or age > limit:
        problems.append("sweep")
    broker = broker_ok()
    if not broker:
        problems.append("broker")
    return {
        "status": "degraded" if problems else "ok",
        "database": "up",
        "broker": "up" if broker else "down",
        "sweep_age_seconds": None if age is None else round(age, 1),
        "sweep_stale_after_seconds": limit,
        "problems": problems,
    }
