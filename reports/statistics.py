"""Statistics over incidents (DESIGN §6), aggregated in PostgreSQL so the page stays fast over 100,000
incidents: a fixed number of GROUP BY queries whatever the volume. Drills are kept apart (Art. 6)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from incidents.models import Incident, State

from .models import CorrectiveAction, DrillRecord
from .selectors import DURATIONS, drill_score


def operational_incidents() -> QuerySet[Incident]:
    """What operational statistics count: real incidents, not drills, not dismissed warnings."""
    return Incident.objects.filter(is_drill=False).exclude(state=State.DISMISSED)


def counts_by(field: str) -> list[dict[str, Any]]:
    rows = operational_incidents().values(field).annotate(n=Count("id")).order_by("-n", field)
    return [{"key": row[field], "n": row["n"]} for row in rows]


def counts_by_month(months: int = 12) -> list[dict[str, Any]]:
    today = timezone.localdate()
    start_year, start_month = today.year, today.month - months + 1
    while start_month <= 0:
        start_month += 12
        start_year -= 1
    first = date(start_year, start_month, 1)
    rows = (
        operational_incidents()
        .filter(detected_at__date__gte=first)
        .annotate(month=TruncMonth("detected_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    # TruncMonth works in the current time zone (Asia/Shanghai) and returns an aware datetime.
    found = {timezone.localtime(row["month"]).date(): row["n"] for row in rows}
    series = []
    year, month = start_year, start_month
    for _ in range(months):
        key = date(year, month, 1)
        series.append({"key": key.strftime("%Y-%m"), "n": found.get(key, 0)})
        month += 1
        if month > 12:
            month, year = 1, year + 1
    return series


def response_times() -> list[dict[str, Any]]:
    """Median and worst time to report / decide / activate / terminate, in minutes — one SQL statement."""
    parts = []
    for start, end in DURATIONS.values():
        expr = f"EXTRACT(EPOCH FROM ({end} - {start})) / 60.0"
        parts.append(
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {expr}) FILTER (WHERE {end} IS NOT NULL "
            f"AND {start} IS NOT NULL), MAX({expr}), COUNT({end})"
        )
    table = Incident._meta.db_table
    sql = f"SELECT {', '.join(parts)} FROM {table} WHERE NOT is_drill AND state <> %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [State.DISMISSED])
        row = cursor.fetchone()
    result = []
    for index, name in enumerate(DURATIONS):
        median, worst, n = row[index * 3 : index * 3 + 3]
        result.append(
            {
                "measure": name,
                "median": round(float(median), 1) if median is not None else None,
                "worst": round(float(worst), 1) if worst is not None else None,
                "n": n,
            }
        )
    return result


def overdue_actions_summary(today: date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    open_actions = CorrectiveAction.objects.exclude(status=CorrectiveAction.Status.DONE)
    overdue = open_actions.filter(due_date__lt=today)
    return {
        "open": open_actions.count(),
        "overdue": overdue.count(),
        "oldest": list(
            overdue.select_related("owner", "investigation")
            .order_by("due_date", "id")
            .values("id", "title", "due_date", "owner__name", "investigation__incident_id")[:10]
        ),
    }


def drills_held(limit: int = 20) -> dict[str, Any]:
    """Drills held (Art. 6) and their scores; counted here, never in the operational figures."""
    drills = Incident.objects.filter(is_drill=True)
    total = drills.count()
    recent = list(drills.exclude(terminated_at__isnull=True).order_by("-detected_at")[:limit])
    records = {
        record.incident_id: record
        for record in DrillRecord.objects.filter(incident__in=[d.pk for d in recent])
    }
    rows = [
        {
            "id": drill.pk,
            "title": drill.title,
            "held_at": records[drill.pk].held_at if drill.pk in records else drill.detected_at,
            "evaluation": records[drill.pk].evaluation if drill.pk in records else "",
            "score": drill_score(incident=drill)["score"],
        }
        for drill in recent
    ]
    return {"total": total, "recent": rows}


def statistics() -> dict[str, Any]:
    return {
        "total": operational_incidents().count(),
        "by_category": counts_by("category"),
        "by_plan": counts_by("plan"),
        "by_grade": counts_by("grade"),
        "by_month": counts_by_month(),
        "response_times": response_times(),
        "actions": overdue_actions_summary(),
        "drills": drills_held(),
    }
