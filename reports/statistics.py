"""Statistics over incidents (DESIGN §6), aggregated in PostgreSQL so the page stays fast over 100,000
incidents: a fixed number of GROUP BY queries whatever the volume. Drills are kept apart (Art. 6)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from incidents.models import Incident, State
from incidents.plans import Grade

from .models import CorrectiveAction, DrillRecord
from .selectors import DURATIONS, drill_score


def operational_incidents() -> QuerySet[Incident]:
    """What operational statistics count: real incidents, not drills, not dismissed warnings."""
    return Incident.objects.filter(is_drill=False).exclude(state=State.DISMISSED)


def _month_starts(months: int) -> list[date]:
    today = timezone.localdate()
    year, month = today.year, today.month - months + 1
    while month <= 0:
        month += 12
        year -= 1
    starts = []
    for _ in range(months):
        starts.append(date(year, month, 1))
        month += 1
        if month > 12:
            month, year = 1, year + 1
    return starts


def breakdowns(months: int = 12) -> dict[str, Any]:
    """Total, and counts by category, plan, grade and month (the last ``months``, in the display time
    zone) — all in one scan with GROUPING SETS."""
    starts = _month_starts(months)
    zone = timezone.get_current_timezone_name()
    first = timezone.make_aware(datetime.combine(starts[0], time.min))
    sql = f"""
        SELECT GROUPING(category), GROUPING(plan), GROUPING(grade), GROUPING(month),
               category, plan, grade, month, COUNT(*)
        FROM (
            SELECT category, plan, grade,
                   CASE WHEN detected_at >= %s
                        THEN date_trunc('month', detected_at AT TIME ZONE %s)::date END AS month
            FROM {Incident._meta.db_table}
            WHERE NOT is_drill AND state <> %s
        ) AS operational
        GROUP BY GROUPING SETS ((category), (plan), (grade), (month), ())
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, zone, State.DISMISSED])
        rows = cursor.fetchall()
    result: dict[str, Any] = {"total": 0, "by_category": [], "by_plan": [], "by_grade": [], "by_month": []}
    per_month: dict[date, int] = {}
    for g_category, g_plan, g_grade, g_month, category, plan, grade, month, n in rows:
        if g_category and g_plan and g_grade and g_month:
            result["total"] = n
        elif not g_category:
            result["by_category"].append({"key": category, "n": n})
        elif not g_plan:
            result["by_plan"].append({"key": plan, "n": n})
        elif not g_grade:
            result["by_grade"].append({"key": grade, "n": n})
        elif month is not None:
            per_month[month] = n
    for name in ("by_category", "by_plan"):
        result[name].sort(key=lambda row: (-row["n"], row["key"] or ""))
    grade_order = {grade: index for index, grade in enumerate(Grade.values)}
    result["by_grade"].sort(key=lambda row: grade_order.get(row["key"], len(grade_order)))
    result["by_month"] = [{"key": start.strftime("%Y-%m"), "n": per_month.get(start, 0)} for start in starts]
    return result


def response_times() -> list[dict[str, Any]]:
    """Median and worst time to report / decide / activate / terminate, in minutes — one SQL statement."""
    parts = []
    for start, end in DURATIONS.values():
        # date_part gives a double; EXTRACT gives numeric, several times slower to sort over 100,000 rows.
        expr = f"date_part('epoch', {end} - {start}) / 60.0"
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
        **breakdowns(),
        "response_times": response_times(),
        "actions": overdue_actions_summary(),
        "drills": drills_held(),
    }
