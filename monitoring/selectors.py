"""Reads of the monitoring app: the chart series (per queue, thresholds drawn, warnings marked), the chart of
an incident raised by a rule, and the state of the monitored systems."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max, Min, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from teams.selectors import actor_for

from .models import EarlyWarning, EarlyWarningRule, IntervalFigure, MonitoredSystem, Queue, RuleKind

CHART_MARGIN = timedelta(hours=6)
DEFAULT_SPAN = timedelta(hours=48)
MAX_SPAN = timedelta(days=31)
TARGET_SERVICE_LEVEL = 0.80  # DESIGN §5: 80 % of calls answered within 20 s


def may_view_monitoring(*, user: Any) -> bool:
    """Whoever may read incidents may read the figures behind them (auditors included); integrators push
    figures but do not read the desk."""
    return actor_for(user).may_read_desk


def queues() -> QuerySet[Queue]:
    return Queue.objects.annotate(last_interval=Max("figures__interval_start")).order_by("code")


def systems() -> QuerySet[MonitoredSystem]:
    return MonitoredSystem.objects.select_related("current_incident").order_by("code")


def rules() -> QuerySet[EarlyWarningRule]:
    return EarlyWarningRule.objects.order_by("kind", "code")


def recent_warnings(*, limit: int = 20) -> QuerySet[EarlyWarning]:
    return EarlyWarning.objects.select_related("queue", "system", "incident").order_by("-at", "-id")[:limit]


def default_window(*, queue: Queue) -> tuple[datetime, datetime] | None:
    """The last two days of the queue's figures (replayed data may be decades old)."""
    last = IntervalFigure.objects.filter(queue=queue).aggregate(last=Max("interval_start"))["last"]
    if last is None:
        return None
    end = last + timedelta(minutes=30)
    return end - DEFAULT_SPAN, end


def _thresholds_for(queue_code: str) -> list[dict[str, Any]]:
    """The enabled rules' thresholds on the two charted rates, plus the 80/20 target line."""
    lines = [
        {
            "figure": "service_level",
            "value": TARGET_SERVICE_LEVEL * 100,
            "label": _("目标 80/20"),
            "style": "target",
        }
    ]
    for rule in EarlyWarningRule.objects.filter(
        enabled=True, kind__in=(RuleKind.ANSWER_RATE_BELOW, RuleKind.SERVICE_LEVEL_BELOW)
    ).order_by("code"):
        if rule.threshold is None or not rule.applies_to(queue_code):
            continue
        figure = "answer_rate" if rule.kind == RuleKind.ANSWER_RATE_BELOW else "service_level"
        lines.append(
            {
                "figure": figure,
                "value": float(rule.threshold) * 100,
                "label": _("%(rule)s：%(value).0f%%（连续 %(n)d 个时段）")
                % {"rule": rule.name, "value": float(rule.threshold) * 100, "n": rule.consecutive},
                "style": "severe",
            }
        )
    return lines


def chart_series(
    *, queue: Queue, start: datetime, end: datetime, incident_id: int | None = None
) -> dict[str, Any]:
    """Answer rate and service level per interval (percent), thresholds, and warnings marked where they fired.
    Two queries whatever the span."""
    if end - start > MAX_SPAN:
        start = end - MAX_SPAN
    figures = list(
        IntervalFigure.objects.filter(queue=queue, interval_start__gte=start, interval_start__lt=end)
        .order_by("interval_start")
        .values("interval_start", "offered", "answer_rate", "service_level", "abandonment_rate")
    )
    warnings = EarlyWarning.objects.filter(queue=queue, interval_start__gte=start, interval_start__lt=end)
    if incident_id is not None:
        warnings = warnings.filter(incident_id=incident_id)
    marks: dict[datetime, list[dict[str, Any]]] = {}
    for warning in warnings.order_by("interval_start", "rule_code"):
        assert warning.interval_start is not None
        marks.setdefault(warning.interval_start, []).append(
            {
                "rule": warning.rule_code,
                "kind": warning.kind,
                "threshold": float(warning.threshold)
                * (100 if warning.kind != RuleKind.COMPLAINTS_ABOVE else 1)
                if warning.threshold is not None
                else None,
                "figure": warning.figure,
                "incident": warning.incident_id,
            }
        )

    def percent(value: float | None) -> float | None:
        return round(value * 100, 1) if value is not None else None

    points: list[dict[str, Any]] = []
    previous: datetime | None = None
    for row in figures:
        at = row["interval_start"]
        if previous is not None and at - previous > timedelta(minutes=30):
            # A gap (centre closed, feed down): break the lines instead of joining across it.
            points.append(
                {
                    "label": "…",
                    "at": None,
                    "offered": 0,
                    "answer_rate": None,
                    "service_level": None,
                    "warnings": [],
                }
            )
        previous = at
        points.append(
            {
                "label": timezone.localtime(at).strftime("%m-%d %H:%M"),
                "at": at.isoformat(),
                "offered": row["offered"],
                "answer_rate": percent(row["answer_rate"]),
                "service_level": percent(row["service_level"]),
                "warnings": marks.get(at, []),
            }
        )
    return {
        "queue": queue.code,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "timezone": timezone.get_current_timezone_name(),
        "points": points,
        "thresholds": _thresholds_for(queue.code),
        "labels": {
            "answer_rate": _("接通率 %"),
            "service_level": _("服务水平 %"),
            "warnings": _("预警"),
            "offered": _("呼入量"),
        },
    }


def chart_for_incident(*, incident: Any) -> dict[str, Any] | None:
    """The chart for an incident raised by a rule on a queue (source key ``rule:<code>:<queue>``): that
    queue's figures from six hours before its first warning to six hours after its last. None for any
    other incident (declared by hand, or a system outage)."""
    if not (incident.source_key or "").startswith("rule:"):
        return None
    queue_code = incident.source_key.split(":", 2)[-1]
    queue = Queue.objects.filter(code=queue_code).first()
    if queue is None:
        return None
    span = EarlyWarning.objects.filter(incident=incident).aggregate(
        first=Min("interval_start"), last=Max("interval_start")
    )
    if span["first"] is None:
        return None
    return chart_series(
        queue=queue,
        start=span["first"] - CHART_MARGIN,
        end=span["last"] + CHART_MARGIN,
        incident_id=incident.pk,
    )


def latest_centre_figures() -> dict[str, Any] | None:
    """The centre's latest interval across all queues (two queries): what an approver weighs before ending
    an emergency (issue 12). Rates are recomputed from the summed counts (answered / offered, within
    threshold / offered, abandoned / offered); None when no figure has been received."""
    latest = IntervalFigure.objects.aggregate(at=Max("interval_start"))["at"]
    if latest is None:
        return None
    totals = IntervalFigure.objects.filter(interval_start=latest).aggregate(
        offered=Sum("offered"),
        answered=Sum("answered"),
        within=Sum("answered_within_threshold"),
        abandoned=Sum("abandoned"),
    )
    offered = totals["offered"] or 0

    def rate(part: int | None) -> float | None:
        return (part or 0) / offered if offered else None

    return {
        "interval_start": latest,
        "offered": offered,
        "answer_rate": rate(totals["answered"]),
        "service_level": rate(totals["within"]),
        "abandonment_rate": rate(totals["abandoned"]),
    }
