"""Ingesting interval figures (DESIGN §5, Art. 7), built for a feed, not a form (≥ 2,000 figures/s with
rules evaluated): one batch is one transaction that validates in plain Python, takes an advisory lock per
queue (so two batches for the same queue are judged one after the other), reads the queues' figures around
the batch in ONE query, inserts the new figures in one statement, updates the changed ones in one more, and
judges every rule over each queue's window in memory. Figures identical to what is stored change nothing
and are not judged again, so the same batch posted twice is a no-op."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Invalid

from ..models import (
    EarlyWarning,
    EarlyWarningRule,
    IntervalFigure,
    Queue,
    RuleKind,
)
from .judging import FigureRow, judge
from .validation import (
    DERIVED_FIELDS,
    MAX_BATCH,
    VALUE_FIELDS,
    add_error,
    figure_values_from,
    require_integrator,
)
from .warnings import raise_warnings

# How far back a batch looks for the start of a running episode; an episode longer than this is warned again.
EPISODE_LOOKBACK = timedelta(hours=24)
ADVISORY_LOCK_CLASS = 5501  # namespace of this app's pg_advisory_xact_lock(int, int) keys


@dataclass
class IngestResult:
    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[EarlyWarning] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "warnings": [
                {
                    "id": w.pk,
                    "rule": w.rule_code,
                    "queue": w.evidence.get("queue"),
                    "interval_start": w.interval_start.isoformat() if w.interval_start else None,
                    "threshold": float(w.threshold) if w.threshold is not None else None,
                    "figure": w.figure,
                    "incident": w.incident_id,
                    "outcome": w.outcome,
                }
                for w in self.warnings
            ],
        }


def interval_figures_ingest(
    *, user: Any, items: Sequence[Any], source: str = "api", now: datetime | None = None
) -> IngestResult:
    """Store a batch of interval figures (idempotent per queue and interval start) and judge the rules.
    Any invalid item refuses the whole batch (400, errors keyed ``[index].field``): a feed is fixed and
    re-sent, never half-applied."""
    require_integrator(user)
    now = now or timezone.now()
    if not isinstance(items, list | tuple) or not items:
        raise Invalid(
            _("请报送至少一条时段指标。"), detail={"non_field_errors": [{"message": _("请求体为空。")}]}
        )
    if len(items) > MAX_BATCH:
        raise Invalid(
            _("每次最多报送 %(n)s 条时段指标。") % {"n": MAX_BATCH},
            detail={"non_field_errors": [{"message": _("批次过大。"), "code": "too_many"}]},
        )
    errors: dict[str, list[dict[str, str]]] = {}
    parsed: list[dict[str, Any]] = []
    seen: dict[tuple[str, datetime], int] = {}
    for index, raw in enumerate(items):
        values = figure_values_from(raw, prefix=f"[{index}].", errors=errors, now=now)
        if values is None:
            continue
        key = (values["queue"], values["interval_start"])
        if key in seen:
            add_error(
                errors,
                f"[{index}].interval_start",
                _("与第 %(i)s 条重复（同一队列同一时段）。") % {"i": seen[key]},
            )
            continue
        seen[key] = index
        parsed.append(values)
    if errors:
        raise Invalid(_("时段指标有误，整批未保存：请更正标出的字段。"), detail=errors)
    with transaction.atomic():
        return _store_and_judge(parsed=parsed, source=source, now=now)


def _queues_for(codes: Iterable[str]) -> dict[str, Queue]:
    codes = set(codes)
    queues = {q.code: q for q in Queue.objects.filter(code__in=codes)}
    missing = codes - queues.keys()
    if missing:
        Queue.objects.bulk_create([Queue(code=code) for code in sorted(missing)], ignore_conflicts=True)
        queues.update({q.code: q for q in Queue.objects.filter(code__in=missing)})
    return queues


def _lock_queues(queue_ids: Iterable[int]) -> None:
    """Serialise batches per queue (sorted, so two batches never deadlock)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, q) FROM unnest(%s::int[]) AS q ORDER BY q",
            [ADVISORY_LOCK_CLASS, sorted(queue_ids)],
        )


def _window_margins(rules: Sequence[EarlyWarningRule]) -> tuple[timedelta, timedelta]:
    longest = max((rule.consecutive for rule in rules), default=1)
    ahead = timedelta(minutes=30 * max(longest - 1, 0) + 60)
    return EPISODE_LOOKBACK + ahead, ahead


ROW_FIELDS = ("queue_id", "interval_start", *VALUE_FIELDS, *DERIVED_FIELDS)
UPSERT_SQL = (
    f"INSERT INTO {IntervalFigure._meta.db_table} ({', '.join(ROW_FIELDS)}, source, received_at, updated_at) "
    "VALUES %s ON CONFLICT (queue_id, interval_start) DO UPDATE SET "
    + ", ".join(
        f"{name} = EXCLUDED.{name}" for name in (*VALUE_FIELDS, *DERIVED_FIELDS, "source", "updated_at")
    )
)


def _upsert(rows: list[FigureRow], *, source: str, now: datetime) -> None:
    """New and corrected figures in one statement."""
    from psycopg2.extras import execute_values

    values = [(*(getattr(row, name) for name in ROW_FIELDS), source, now, now) for row in rows]
    with connection.cursor() as cursor:
        execute_values(cursor.cursor, UPSERT_SQL, values, page_size=1000)


def _store_and_judge(*, parsed: list[dict[str, Any]], source: str, now: datetime) -> IngestResult:
    result = IngestResult(received=len(parsed))
    queues = _queues_for(values["queue"] for values in parsed)
    _lock_queues(q.pk for q in queues.values())
    rules = [rule for rule in active_rules() if rule.kind != RuleKind.SYSTEM_DOWN]
    behind, ahead = _window_margins(rules)
    first = min(values["interval_start"] for values in parsed)
    last = max(values["interval_start"] for values in parsed)
    window = {
        (row[0], row[1]): FigureRow(*row)
        for row in IntervalFigure.objects.filter(
            queue_id__in=[q.pk for q in queues.values()],
            interval_start__gte=first - behind,
            interval_start__lte=last + ahead,
        ).values_list(*ROW_FIELDS)
    }
    changed: list[FigureRow] = []
    changed_by_queue: dict[int, list[datetime]] = defaultdict(list)
    for values in parsed:
        queue = queues[values["queue"]]
        key = (queue.pk, values["interval_start"])
        stored = window.get(key)
        if stored is not None and all(getattr(stored, name) == values[name] for name in VALUE_FIELDS):
            result.unchanged += 1
            continue
        row = FigureRow(
            queue.pk, values["interval_start"], *(values[name] for name in VALUE_FIELDS + DERIVED_FIELDS)
        )
        window[key] = row
        changed.append(row)
        changed_by_queue[queue.pk].append(values["interval_start"])
        if stored is None:
            result.created += 1
        else:
            result.updated += 1
    if changed:
        _upsert(changed, source=source, now=now)
    if changed_by_queue and rules:
        first_changed = min(min(starts) for starts in changed_by_queue.values())
        last_changed = max(max(starts) for starts in changed_by_queue.values())
        warned: set[tuple[int, int, datetime | None]] = set(
            EarlyWarning.objects.filter(
                queue_id__in=list(changed_by_queue),
                interval_start__gte=first_changed - behind,
                interval_start__lte=last_changed + ahead,
            ).values_list("rule_id", "queue_id", "interval_start")
        )
        firings = judge(
            rules=rules,
            window=window,
            changed_by_queue=changed_by_queue,
            queues={q.pk: q for q in queues.values()},
            warned=warned,
        )
        result.warnings = raise_warnings(firings=firings, now=now)
    return result


def active_rules() -> list[EarlyWarningRule]:
    return list(EarlyWarningRule.objects.filter(enabled=True).order_by("code"))
