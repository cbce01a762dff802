"""Reads of timers, late-report findings and the inbox (STYLE.md §5)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import LateReport, Notification, Timer, TimerKind
from .models.timer import timer_label

# Timers that are no deadline of the incident's response (see ``deadlines_for_incidents``).
NOT_DEADLINES = (TimerKind.ACK_SILENT,)


def deadlines_for_incidents(ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The open clocks of many incidents in ONE query (for a list page or the board): per incident, the
    soonest pending timer of each kind, as ``{"kind", "due_at", "label"}``, soonest first.

    A measure's overdue clock is shown as the measure itself (one rule for "what is due and when"): one
    entry per open measure, due at the measure's OWN due time (overdue once it has passed, as the checklist
    row says), with its next reminder as ``next_reminder_at`` — never the reminder's time as if it were the
    measure's.

    The acknowledgement clocks (``ack_silent``: "not acknowledged — resend on the next channel / to the next
    person", ``acks``) are not the incident's deadlines: they time the delivery of one message, not the
    response, and the messages page shows them with whom and what (docs/decisions.md)."""
    from .services.measure_clocks import KINDS as MEASURE_KINDS

    ids = list(ids)
    result: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    if not ids:
        return result
    seen: set[tuple[int, str, str, int]] = set()
    rows = (
        Timer.objects.filter(incident_id__in=ids, fired_at__isnull=True, cancelled_at__isnull=True)
        .exclude(kind__in=NOT_DEADLINES)
        .order_by("incident_id", "due_at")
        .values_list("incident_id", "kind", "due_at", "payload")
    )
    for incident_id, kind, due_at, payload in rows:
        payload = payload or {}
        if kind in MEASURE_KINDS:
            key = (incident_id, kind, str(payload.get("measure", "")), int(payload.get("record") or 0))
            if key in seen:
                continue
            seen.add(key)
            context = payload.get("context") or {}
            result[incident_id].append(
                {
                    "kind": kind,
                    "due_at": _measure_due(payload, due_at).astimezone(UTC).isoformat(),
                    "next_reminder_at": due_at.isoformat(),
                    "label": context.get("title") or timer_label(kind, payload),
                    "measure": True,
                    "source": "escalation",
                }
            )
            continue
        if (incident_id, kind, "", 0) in seen:
            continue
        seen.add((incident_id, kind, "", 0))
        label = timer_label(kind, payload)
        result[incident_id].append(
            {"kind": kind, "due_at": due_at.isoformat(), "label": label, "source": "escalation"}
        )
    return result


def _measure_due(payload: dict[str, Any], reminder_at: datetime) -> datetime:
    """The measure's own due time from its clock's payload (``due``; rows written before it was stored
    carry it to the minute in ``context.due_at``, local time); the reminder's time only if neither."""
    if payload.get("due"):
        return datetime.fromisoformat(payload["due"])
    text = (payload.get("context") or {}).get("due_at")
    if text:
        try:
            return timezone.make_aware(datetime.strptime(text, "%Y-%m-%d %H:%M"))
        except ValueError:
            pass
    return reminder_at


def timers_of(*, incident: Any) -> QuerySet[Timer]:
    return Timer.objects.filter(incident=incident).order_by("due_at", "id")


def late_report_of(incident: Any) -> dict[str, Any] | None:
    """The 缓报 finding (Art. 21) measured at the incident's first ``report``, for the investigation to
    pre-fill: ``{"is_late", "delay_seconds", "threshold_seconds", "detected_at", "reported_at"}``; None if the
    incident was never reported."""
    record = LateReport.objects.filter(incident_id=getattr(incident, "pk", incident)).first()
    if record is None:
        return None
    return {
        "is_late": record.is_late,
        "delay_seconds": record.delay_seconds,
        "threshold_seconds": record.threshold_seconds,
        "detected_at": record.detected_at,
        "reported_at": record.reported_at,
    }


def late_report_threshold_seconds(incident: Any) -> int | None:
    """The 缓报 threshold (Art. 21) of the ``late_report`` policy as it stands now, for this incident; None
    when the policy is switched off. The one threshold: ``late_report_record`` measures against it too."""
    from .services.clocks import late_report_threshold

    return late_report_threshold(incident)


def inbox_for(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's in-app inbox, newest first (one query; incident title joined)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return Notification.objects.none()
    rows = Notification.objects.filter(recipient=user, channel=Notification.Channel.INBOX).select_related(
        "incident"
    )
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    """``inbox_for(user, unread_only=True).count()`` as one fixed statement: it runs on every page (the top
    bar), and compiling the queryset was most of its cost (issue 12 profile)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_unread_sql(), [Notification.Channel.INBOX.value, user.pk])
        return int(cursor.fetchone()[0])


@cache
def _unread_sql() -> str:
    quote = connection.ops.quote_name
    meta = Notification._meta
    column = {field.name: quote(field.column or field.name) for field in meta.concrete_fields}
    return (
        f"SELECT COUNT(*) FROM {quote(meta.db_table)}"
        f" WHERE {column['channel']} = %s AND {column['recipient']} = %s AND {column['read_at']} IS NULL"
    )


def failed_notifications(*, incident: Any | None = None) -> QuerySet[Notification]:
    rows = Notification.objects.filter(status=Notification.Status.FAILED)
    if incident is not None:
        rows = rows.filter(incident=incident)
    return rows.order_by("-created_at")


def notifications_of(*, incident: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(Q(incident=incident)).order_by("-created_at", "-id")


def messages_of(*, incident: Any) -> QuerySet[Notification]:
    """Every message about the incident with its status, oldest first (one query)."""
    return (
        Notification.objects.filter(incident=incident)
        .select_related("acknowledged_by__person", "recipient")
        .order_by("created_at", "id")
    )
