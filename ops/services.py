"""Writes of the ops app: heartbeats, and the one health alert that goes out around the sweep."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Heartbeat

logger = logging.getLogger(__name__)

ALERT = "health_alert"


def heartbeat_record(*, name: str, detail: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    """Overwrite the row ``name`` with now (one row each; an upsert, so two writers never collide)."""
    Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": at or timezone.now(), "detail": detail or {}}
    )


def _alert_recipients() -> list[str]:
    configured = list(settings.OPS_ALERT_EMAILS)
    if configured:
        return configured
    return list(
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def health_alert(*, report: dict[str, Any]) -> str | None:
    """Tell the admins when the desk turns degraded (and again when it recovers), by e-mail and the
    optional ``OPS_ALERT_WEBHOOK`` — sent here, synchronously, never through the sweep or the broker that
    may be what is broken. One sender across every web process: the alert row is locked and compared.
    Returns "degraded" / "recovered" when a message went out, else None."""
    state = report["status"]
    now = timezone.now()
    with transaction.atomic():
        row = Heartbeat.objects.select_for_update().filter(name=ALERT).first()
        if row is None:
            if state == "ok":
                return None
            try:
                with transaction.atomic():
                    row = Heartbeat.objects.create(name=ALERT, beat_at=now, detail={"state": "ok"})
            except IntegrityError:  # another process created it first: it sends
                return None
        last_state = row.detail.get("state", "ok")
        repeat = timedelta(seconds=settings.OPS_ALERT_REPEAT_SECONDS)
        if state == "ok" and last_state == "ok":
            return None
        if state != "ok" and last_state != "ok" and now - row.beat_at < repeat:
            return None
        kind = "recovered" if state == "ok" else "degraded"
        row.beat_at = now
        row.detail = {"state": "ok" if state == "ok" else "degraded", "report": report}
        row.save(update_fields=["beat_at", "detail"])
    _send_alert(kind=kind, report=report)
    return kind


def _send_alert(*, kind: str, report: dict[str, Any]) -> None:
    problems = ", ".join(report.get("problems", [])) or "-"
    subject = (
        f"[应急指挥台] 运行降级 Desk degraded: {problems}"
        if kind == "degraded"
        else "[应急指挥台] 运行恢复 Desk recovered"
    )
    lines = [f"{key}: {value}" for key, value in report.items()]
    body = "\n".join([subject, "", *lines, "", settings.SITE_URL + "/healthz"])
    recipients = _alert_recipients()
    if recipients:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
        except Exception:  # noqa: BLE001 - the webhook and the log still say it
            logger.exception("health alert e-mail failed")
    if settings.OPS_ALERT_WEBHOOK:
        try:
            requests.post(
                settings.OPS_ALERT_WEBHOOK,
                json={
                    "msgtype": "text",
                    "text": {"content": body},
                    "event": f"desk_{kind}",
                    "report": report,
                },
                timeout=settings.NOTIFICATION_HTTP_TIMEOUT,
            )
        except requests.RequestException:
            logger.exception("health alert webhook failed")
    logger.warning("health alert sent (%s): %s", kind, problems)
