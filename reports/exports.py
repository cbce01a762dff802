"""CSV exports for auditors (DESIGN §6): incidents, timelines and actions, streamed row by row so an export
of the whole history neither holds it in memory nor times out. Written by ``security.csvexport``, the one
CSV writer, which neutralises spreadsheet formulas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from incidents.models import Incident, TimelineEntry
from security import masking
from security.csvexport import csv_rows

from .models import CorrectiveAction

INCIDENT_COLUMNS = [
    "id",
    "title",
    "category",
    "plan",
    "lead_group__code",
    "grade",
    "is_drill",
    "state",
    "source",
    "affected_system",
    "detected_at",
    "started_at",
    "reported_at",
    "decided_at",
    "activated_at",
    "terminated_at",
    "closed_at",
    "regulator_decision",
    "final_report__sha256",
]
TIMELINE_COLUMNS = [
    "incident_id",
    "seq",
    "at",
    "actor_name",
    "actor_role",
    "kind",
    "action",
    "from_state",
    "to_state",
    "comment",
    "prev_hash",
    "hash",
]
ACTION_COLUMNS = [
    "id",
    "investigation__incident_id",
    "kind",
    "title",
    "owner__name",
    "due_date",
    "status",
    "closure_evidence",
    "done_at",
    "retest",
    "retest_note",
    "retested_at",
]


def _stream(queryset: QuerySet[Any], columns: list[str]) -> Iterator[str]:
    header = [column.replace("__", ".") for column in columns]
    return csv_rows(header, queryset.values_list(*columns).iterator(chunk_size=2000))


def incidents_csv(incidents: QuerySet[Incident]) -> Iterator[str]:
    return _stream(incidents.order_by("id"), INCIDENT_COLUMNS)


def timelines_csv(incidents: QuerySet[Incident]) -> Iterator[str]:
    entries = TimelineEntry.objects.filter(incident__in=incidents.values("pk")).order_by("incident_id", "seq")
    rows = (masking.masked_entry(row) for row in entries.values(*TIMELINE_COLUMNS).iterator(chunk_size=2000))
    header = [column.replace("__", ".") for column in TIMELINE_COLUMNS]
    return csv_rows(header, ([row[column] for column in TIMELINE_COLUMNS] for row in rows))


def actions_csv(incidents: QuerySet[Incident]) -> Iterator[str]:
    actions = CorrectiveAction.objects.filter(investigation__incident__in=incidents.values("pk")).order_by(
        "investigation__incident_id", "due_date", "id"
    )
    return _stream(actions, ACTION_COLUMNS)
