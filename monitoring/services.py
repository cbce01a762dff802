"""Writes of the monitoring app (DESIGN §5, Art. 7): interval figures in, system status in, and the
early-warning rules that judge them.

Ingestion is built for a feed, not a form (≥ 2,000 figures/s with rules evaluated): one batch is one
transaction that validates in plain Python, takes an advisory lock per queue (so two batches for the same
queue are judged one after the other), reads the queues' figures around the batch in ONE query, inserts
the new figures in one statement, updates the changed ones in one more, and judges every rule over each
queue's window in memory. Figures identical to what is stored change nothing and are not judged again, so
the same batch posted twice is a no-op.

A rule fires once per *episode* (a run of adjacent intervals that cross its threshold, at least
``consecutive`` long): at the interval where the run reaches ``consecutive``. The firing is stored as an
``EarlyWarning`` with the threshold and the figure judged, and goes to the incident of its source key
(``rule:<code>:<queue>``): a new ``monitoring`` incident, or an ``early_warning`` action on the open one —
never a duplicate — and the owning working group is notified.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from escalation import services as escalation_services
from incidents import policies as incident_policies
from incidents import services as incident_services
from incidents.errors import Conflict, Forbidden, Invalid
from incidents.models import OPEN_STATES, Incident, State
from teams import selectors as team_selectors

from .models import (
    EarlyWarning,
    EarlyWarningRule,
    Formula,
    IntervalFigure,
    MonitoredSystem,
    Queue,
    RuleKind,
    SystemEvent,
    SystemStatus,
)
from .models.figure import ABANDONMENT_FORMULAS, ANSWER_RATE_FORMULAS, SERVICE_LEVEL_FORMULAS
from .models.rule import RATE_OF_KIND

INTERVAL_LENGTHS = (15, 30)
MAX_COUNT = 10_000_000
MAX_BATCH = 5_000
# How far back a batch looks for the start of a running episode; an episode longer than this is warned again.
EPISODE_LOOKBACK = timedelta(hours=24)
ADVISORY_LOCK_CLASS = 5501  # namespace of this app's pg_advisory_xact_lock(int, int) keys

VALUE_FIELDS = (
    "interval_minutes",
    "offered",
    "answered",
    "answered_within_threshold",
    "abandoned",
    "short_abandons",
    "asa_seconds",
    "threshold_seconds",
    "complaints",
    "answer_rate_formula",
    "service_level_formula",
    "abandonment_formula",
)
DERIVED_FIELDS = ("answer_rate", "service_level", "abandonment_rate")


def _require_integrator(user: Any) -> None:
    if user is incident_policies.SYSTEM_USER:
        return
    actor = team_selectors.actor_for(user)
    if actor.is_read_only or not (actor.is_integrator or actor.is_admin):
        raise Forbidden(_("只有系统接入方（集成令牌）可以报送监测数据。"))


def _error(errors: dict[str, list[dict[str, str]]], key: str, message: str, code: str = "invalid") -> None:
    errors.setdefault(key, []).append({"message": message, "code": code})


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator > 0 else None


def derived_rates(values: dict[str, Any]) -> dict[str, float | None]:
    """The three derived rates by the figure's own formulas (Formula documents each)."""
    offered, short = values["offered"], values["short_abandons"]
    within = values["answered_within_threshold"]
    answer_denominator = (
        offered - short
        if values["answer_rate_formula"] == Formula.ANSWERED_OVER_OFFERED_LESS_SHORT
        else offered
    )
    sl_denominator = {
        Formula.WITHIN_OVER_OFFERED: offered,
        Formula.WITHIN_OVER_ANSWERED: values["answered"],
        Formula.WITHIN_OVER_OFFERED_LESS_SHORT: offered - short,
    }[values["service_level_formula"]]
    if values["abandonment_formula"] == Formula.ABANDONED_OVER_OFFERED:
        abandonment = rate(values["abandoned"], offered)
    else:
        abandonment = rate(values["abandoned"] - short, offered - short)
    return {
        "answer_rate": rate(values["answered"], answer_denominator),
        "service_level": rate(within, sl_denominator),
        "abandonment_rate": abandonment,
    }


def _count(
    raw: dict[str, Any], name: str, errors: dict, prefix: str, *, required: bool, default: int = 0
) -> int:
    value = raw.get(name)
    if value is None:
        if required:
            _error(errors, prefix + name, _("必填。"), "required")
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        else:
            _error(errors, prefix + name, _("须为非负整数。"))
            return default
    if value < 0 or value > MAX_COUNT:
        _error(errors, prefix + name, _("须为 0 到 %(max)s 之间的整数。") % {"max": MAX_COUNT})
        return default
    return value


def figure_values_from(raw: Any, *, prefix: str, errors: dict, now: datetime) -> dict[str, Any] | None:
    """Validate one interval figure as sent by an integrator; errors are keyed ``[i].field``. Plain Python
    (not a DRF serializer), because this runs thousands of times a second."""
    if not isinstance(raw, dict):
        _error(errors, prefix.rstrip("."), _("每条时段指标须为 JSON 对象。"))
        return None
    before = len(errors)
    queue = raw.get("queue")
    if not isinstance(queue, str) or not queue.strip() or len(queue.strip()) > 50:
        _error(errors, prefix + "queue", _("须为 1 到 50 个字符的队列代码。"), "required")
    start = _parse_time(raw.get("interval_start"))
    minutes = raw.get("interval_minutes", 15)
    if minutes not in INTERVAL_LENGTHS or isinstance(minutes, bool):
        _error(errors, prefix + "interval_minutes", _("时段长度须为 15 或 30 分钟。"))
        minutes = 15
    if start is None:
        _error(
            errors,
            prefix + "interval_start",
            _("须为带时区偏移的 ISO 8601 时间，如 2026-01-05T09:15:00+08:00。"),
        )
    elif start.second or start.microsecond or start.minute % minutes:
        _error(errors, prefix + "interval_start", _("时段开始须对齐到 %(m)s 分钟整点。") % {"m": minutes})
    elif start > now + timedelta(seconds=settings.MONITORING_CLOCK_SKEW_SECONDS):
        _error(errors, prefix + "interval_start", _("时段尚未开始，不能报送未来的数据。"))
    values: dict[str, Any] = {"interval_minutes": minutes}
    for name in ("offered", "answered", "answered_within_threshold", "abandoned"):
        values[name] = _count(raw, name, errors, prefix, required=True)
    values["short_abandons"] = _count(raw, "short_abandons", errors, prefix, required=False)
    values["complaints"] = _count(raw, "complaints", errors, prefix, required=False)
    values["threshold_seconds"] = _count(raw, "threshold_seconds", errors, prefix, required=False, default=20)
    if not 1 <= values["threshold_seconds"] <= 600:
        _error(errors, prefix + "threshold_seconds", _("服务水平阈值须在 1 到 600 秒之间。"))
    asa = raw.get("asa_seconds")
    if asa is not None and (
        isinstance(asa, bool) or not isinstance(asa, int | float) or not math.isfinite(asa) or asa < 0
    ):
        _error(errors, prefix + "asa_seconds", _("须为非负数（秒）。"))
        asa = None
    values["asa_seconds"] = float(asa) if asa is not None else None
    for name, allowed, default in (
        ("answer_rate_formula", ANSWER_RATE_FORMULAS, Formula.ANSWERED_OVER_OFFERED),
        ("service_level_formula", SERVICE_LEVEL_FORMULAS, Formula.WITHIN_OVER_OFFERED),
        ("abandonment_formula", ABANDONMENT_FORMULAS, Formula.ABANDONED_OVER_OFFERED),
    ):
        chosen = raw.get(name, default)
        if chosen not in allowed:
            _error(errors, prefix + name, _("可选值：%(v)s。") % {"v": ", ".join(str(a) for a in allowed)})
            chosen = default
        values[name] = str(chosen)
    if len(errors) > before:
        return None
    if values["answered"] + values["abandoned"] > values["offered"]:
        _error(errors, prefix + "offered", _("接通量与放弃量之和不能大于呼入量。"))
    if values["answered_within_threshold"] > values["answered"]:
        _error(errors, prefix + "answered_within_threshold", _("阈值内接通量不能大于接通量。"))
    if values["short_abandons"] > values["abandoned"]:
        _error(errors, prefix + "short_abandons", _("短时放弃量不能大于放弃量。"))
    if len(errors) > before:
        return None
    values.update(derived_rates(values))
    values["queue"] = queue.strip()  # type: ignore[union-attr]
    values["interval_start"] = start
    return values


# --- ingestion -----------------------------------------------------------------------------------------


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
    _require_integrator(user)
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
            _error(
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


@dataclass(slots=True)
class FigureRow:
    """A figure as the judge sees it: plain attributes, no model machinery (thousands per batch)."""

    queue_id: int
    interval_start: datetime
    interval_minutes: int
    offered: int
    answered: int
    answered_within_threshold: int
    abandoned: int
    short_abandons: int
    asa_seconds: float | None
    threshold_seconds: int
    complaints: int
    answer_rate_formula: str
    service_level_formula: str
    abandonment_formula: str
    answer_rate: float | None
    service_level: float | None
    abandonment_rate: float | None


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
        firings = _judge(
            rules=rules,
            window=window,
            changed_by_queue=changed_by_queue,
            queues={q.pk: q for q in queues.values()},
            behind=behind,
            ahead=ahead,
        )
        result.warnings = _raise_warnings(firings=firings, now=now)
    return result


def active_rules() -> list[EarlyWarningRule]:
    return list(EarlyWarningRule.objects.filter(enabled=True).order_by("code"))


# --- judging -------------------------------------------------------------------------------------------


@dataclass
class Firing:
    rule: EarlyWarningRule
    queue: Queue
    figure: FigureRow
    judged: float
    episode: list[FigureRow]


def _hourly_complaints(series: list[FigureRow], by_start: dict[datetime, FigureRow]) -> dict[datetime, int]:
    sums = {}
    for figure in series:
        length = timedelta(minutes=figure.interval_minutes)
        steps = max(1, 60 // figure.interval_minutes)
        total = 0
        for step in range(steps):
            earlier = by_start.get(figure.interval_start - step * length)
            total += earlier.complaints if earlier is not None else 0
        sums[figure.interval_start] = total
    return sums


def judged_value(rule: EarlyWarningRule, figure: FigureRow, hourly: dict[datetime, int]) -> float | None:
    """The figure the rule judges at this interval, or None when the interval is not judged."""
    if rule.kind == RuleKind.COMPLAINTS_ABOVE:
        return float(hourly[figure.interval_start])
    if figure.offered < rule.min_offered:
        return None
    return getattr(figure, RATE_OF_KIND[rule.kind][0])


def crosses(rule: EarlyWarningRule, value: float | None) -> bool:
    if value is None or rule.threshold is None:
        return False
    threshold = float(rule.threshold)
    return value < threshold if RATE_OF_KIND[rule.kind][1] == "lt" else value > threshold


def _judge(
    *,
    rules: list[EarlyWarningRule],
    window: dict[tuple[int, datetime], FigureRow],
    changed_by_queue: dict[int, list[datetime]],
    queues: dict[int, Queue],
    behind: timedelta,
    ahead: timedelta,
) -> list[Firing]:
    series_of: dict[int, list[FigureRow]] = defaultdict(list)
    for (queue_id, _start), figure in window.items():
        if queue_id in changed_by_queue:
            series_of[queue_id].append(figure)
    first = min(min(starts) for starts in changed_by_queue.values())
    last = max(max(starts) for starts in changed_by_queue.values())
    warned: set[tuple[int, int, datetime | None]] = set(
        EarlyWarning.objects.filter(
            queue_id__in=list(changed_by_queue),
            interval_start__gte=first - behind,
            interval_start__lte=last + ahead,
        ).values_list("rule_id", "queue_id", "interval_start")
    )
    firings: list[Firing] = []
    for queue_id, series in series_of.items():
        series.sort(key=lambda figure: figure.interval_start)
        by_start = {figure.interval_start: figure for figure in series}
        queue = queues[queue_id]
        needs_hourly = any(r.kind == RuleKind.COMPLAINTS_ABOVE and r.applies_to(queue.code) for r in rules)
        hourly = _hourly_complaints(series, by_start) if needs_hourly else {}
        earliest_change = min(changed_by_queue[queue_id])
        for rule in rules:
            if not rule.applies_to(queue.code):
                continue
            run: list[FigureRow] = []
            for figure in series:
                value = judged_value(rule, figure, hourly)
                adjacent = (
                    bool(run)
                    and run[-1].interval_start + timedelta(minutes=run[-1].interval_minutes)
                    == figure.interval_start
                )
                if not crosses(rule, value):
                    run = []
                    continue
                if adjacent:
                    run.append(figure)
                else:
                    run = [figure]
                if len(run) < rule.consecutive or figure.interval_start < earliest_change:
                    continue
                if any((rule.pk, queue_id, earlier.interval_start) in warned for earlier in run):
                    continue  # this episode was already warned
                warned.add((rule.pk, queue_id, figure.interval_start))
                firings.append(
                    Firing(
                        rule=rule,
                        queue=queue,
                        figure=figure,
                        judged=float(value),  # type: ignore[arg-type]
                        episode=run[-rule.consecutive :],
                    )
                )
    firings.sort(key=lambda f: (f.figure.interval_start, f.queue.code, f.rule.code))
    return firings


# --- warnings → incidents ------------------------------------------------------------------------------


def _figure_evidence(figure: FigureRow) -> dict[str, Any]:
    return {
        "interval_start": figure.interval_start.isoformat(),
        "interval_minutes": figure.interval_minutes,
        "offered": figure.offered,
        "answered": figure.answered,
        "answered_within_threshold": figure.answered_within_threshold,
        "abandoned": figure.abandoned,
        "short_abandons": figure.short_abandons,
        "asa_seconds": figure.asa_seconds,
        "complaints": figure.complaints,
        "threshold_seconds": figure.threshold_seconds,
        "answer_rate": figure.answer_rate,
        "service_level": figure.service_level,
        "abandonment_rate": figure.abandonment_rate,
        "answer_rate_formula": figure.answer_rate_formula,
        "service_level_formula": figure.service_level_formula,
        "abandonment_formula": figure.abandonment_formula,
    }


def _describe(rule: EarlyWarningRule, queue_code: str, value: float) -> str:
    threshold = float(rule.threshold or 0)
    if rule.kind == RuleKind.COMPLAINTS_ABOVE:
        return _("队列 %(q)s 每小时投诉 %(v)d 件，超过阈值 %(t)d 件（%(rule)s）。") % {
            "q": queue_code,
            "v": value,
            "t": threshold,
            "rule": rule.name,
        }
    names: dict[str, str] = {
        RuleKind.ANSWER_RATE_BELOW: _("接通率"),
        RuleKind.SERVICE_LEVEL_BELOW: _("服务水平"),
        RuleKind.ABANDONMENT_ABOVE: _("放弃率"),
    }
    figure_name = names[rule.kind]
    direction = _("低于") if RATE_OF_KIND[rule.kind][1] == "lt" else _("高于")
    return _("队列 %(q)s %(name)s %(v).1f%%，连续 %(n)d 个时段%(dir)s阈值 %(t).0f%%（%(rule)s）。") % {
        "q": queue_code,
        "name": figure_name,
        "v": value * 100,
        "n": rule.consecutive,
        "dir": direction,
        "t": threshold * 100,
        "rule": rule.name,
    }


def audience_of(rule: EarlyWarningRule, owning_group: str) -> list[str]:
    explicit = [item.strip() for item in rule.audience.split(",") if item.strip()]
    return explicit or [f"group:{owning_group}"]


def _raise_warnings(*, firings: list[Firing], now: datetime) -> list[EarlyWarning]:
    warnings = []
    for firing in firings:
        rule, figure = firing.rule, firing.figure
        comparison = RATE_OF_KIND[rule.kind][1]
        evidence = {
            "rule": rule.code,
            "rule_name": rule.name,
            "kind": rule.kind,
            "queue": firing.queue.code,
            "comparison": comparison,
            "threshold": float(rule.threshold) if rule.threshold is not None else None,
            "consecutive": rule.consecutive,
            "min_offered": rule.min_offered,
            "figure": firing.judged,
            "interval_start": figure.interval_start.isoformat(),
            "intervals": [_figure_evidence(item) for item in firing.episode],
        }
        interval_end = figure.interval_start + timedelta(minutes=figure.interval_minutes)
        with translation.override(settings.LANGUAGE_CODE):
            title = _("【预警】%(rule)s：队列 %(q)s") % {"rule": rule.name, "q": firing.queue.code}
            description = _describe(rule, firing.queue.code, firing.judged)
        incident, outcome = _incident_for_warning(
            source=f"rule:{rule.code}",
            source_key=f"rule:{rule.code}:{firing.queue.code}",
            category=rule.category,
            title=title,
            description=description,
            detected_at=min(interval_end, now),
            started_at=firing.episode[0].interval_start,
            evidence=evidence,
            affected_system="",
        )
        warning = EarlyWarning.objects.create(
            rule=rule,
            rule_code=rule.code,
            kind=rule.kind,
            queue=firing.queue,
            interval_start=figure.interval_start,
            at=interval_end,
            comparison=comparison,
            threshold=rule.threshold,
            consecutive=rule.consecutive,
            figure=firing.judged,
            evidence=evidence,
            incident=incident,
            outcome=outcome,
        )
        escalation_services.notify(
            incident=incident,
            audience=audience_of(rule, firing.queue.owning_group),
            event="early_warning",
            context={**evidence, "warning": warning.pk, "description": description},
        )
        warnings.append(warning)
    return warnings


def _source_lock(source_key: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [source_key])


def _incident_for_warning(
    *,
    source: str,
    source_key: str,
    category: str,
    title: str,
    description: str,
    detected_at: datetime,
    started_at: datetime,
    evidence: dict[str, Any],
    affected_system: str,
) -> tuple[Incident, str]:
    """The open incident of this source key gets an ``early_warning`` action; otherwise a new incident in
    监测预警 is declared by the system. (Art. 18: declaring links a recurrence within the post-event watch
    of a terminated incident — ``escalation.services.recurrence_link``, called by ``incidents.flows``.)"""
    _source_lock(source_key)
    open_incident = (
        Incident.objects.filter(source_key=source_key, state__in=OPEN_STATES).order_by("-detected_at").first()
    )
    if open_incident is not None:
        incident_services.incident_record_action(
            incident_id=open_incident.pk,
            user=incident_policies.SYSTEM_USER,
            action="early_warning",
            comment=description,
            payload=evidence,
        )
        return open_incident, EarlyWarning.Outcome.APPENDED
    incident = incident_services.incident_declare(
        user=incident_policies.SYSTEM_USER,
        data={
            "title": title[:200],
            "category": category,
            "description": description,
            "detected_at": detected_at,
            "affected_system": affected_system,
        },
        source=source,
        source_key=source_key,
        started_at=started_at,
        evidence={"early_warning": evidence},
    )
    return incident, EarlyWarning.Outcome.DECLARED


# --- system status (Art. 2: the outage clock) -------------------------------------------------------------


@dataclass
class SystemEventResult:
    event: SystemEvent | None
    system: MonitoredSystem
    changed: bool
    incident: Incident | None
    message: str


def system_event_record(*, user: Any, data: Any, now: datetime | None = None) -> SystemEventResult:
    """``{"system", "status": "down"|"up", "at"}``. ``down`` opens (or reuses) the system's outage incident
    and starts the 60-minute clock; ``up`` cancels the clock and records the recovery on the timeline.
    A repeated status is a no-op (``changed`` false); an event older than the current status is a 409."""
    _require_integrator(user)
    now = now or timezone.now()
    errors: dict[str, list[dict[str, str]]] = {}
    if not isinstance(data, dict):
        raise Invalid(
            _("请求体须为 JSON 对象。"), detail={"non_field_errors": [{"message": _("格式错误。")}]}
        )
    code = data.get("system")
    status = data.get("status")
    at = _parse_time(data.get("at"))
    system = None
    if not isinstance(code, str) or not code.strip():
        _error(errors, "system", _("必填。"), "required")
    else:
        system = MonitoredSystem.objects.filter(code=code.strip(), is_active=True).first()
        if system is None:
            _error(
                errors,
                "system",
                _("未登记的系统“%(code)s”：请先在系统管理的“受监测系统”中登记。") % {"code": code[:50]},
                "unknown_system",
            )
    if status not in (SystemStatus.DOWN, SystemStatus.UP):
        _error(errors, "status", _("须为 down 或 up。"))
    max_age = timedelta(seconds=settings.MONITORING_EVENT_MAX_AGE_SECONDS)
    if at is None:
        _error(errors, "at", _("须为带时区偏移的 ISO 8601 时间。"))
    elif at > now + timedelta(seconds=settings.MONITORING_CLOCK_SKEW_SECONDS):
        _error(errors, "at", _("时间晚于现在：不接受未来的状态事件。"), "future")
    elif at < now - max_age:
        _error(
            errors,
            "at",
            _("时间早于 %(h)s 小时前：过旧的状态事件不能启动计时。")
            % {"h": round(max_age.total_seconds() / 3600)},
            "too_old",
        )
    if errors:
        raise Invalid(_("系统状态事件有误：请更正标出的字段。"), detail=errors)
    assert system is not None and at is not None
    with transaction.atomic():
        return _apply_system_event(system_id=system.pk, status=str(status), at=at, user=user)


def _apply_system_event(*, system_id: int, status: str, at: datetime, user: Any) -> SystemEventResult:
    system = MonitoredSystem.objects.select_for_update().get(pk=system_id)
    if system.status == status:
        return SystemEventResult(
            event=None,
            system=system,
            changed=False,
            incident=system.current_incident,
            message=_("状态未变化（重复报送），未做任何改动。"),
        )
    if system.status_since and at < system.status_since:
        raise Conflict(
            _("该事件早于系统当前状态的开始时间（%(since)s），不能改变状态。")
            % {"since": timezone.localtime(system.status_since).isoformat()},
            current_state=system.status,
        )
    reporter = user if getattr(user, "pk", None) else None
    if status == SystemStatus.DOWN:
        return _system_down(system=system, at=at, reporter=reporter)
    return _system_up(system=system, at=at, reporter=reporter)


def _system_down(*, system: MonitoredSystem, at: datetime, reporter: Any) -> SystemEventResult:
    rule = EarlyWarningRule.objects.filter(kind=RuleKind.SYSTEM_DOWN, enabled=True).order_by("code").first()
    incident = None
    outcome = SystemEvent.Outcome.RECORDED
    if rule is not None:
        evidence = {
            "rule": rule.code,
            "rule_name": rule.name,
            "kind": rule.kind,
            "system": system.code,
            "system_name": system.name,
            "status": SystemStatus.DOWN,
            "at": at.isoformat(),
            "comparison": "",
            "threshold": None,
            "figure": None,
        }
        with translation.override(settings.LANGUAGE_CODE):
            title = _("【系统故障】%(name)s 中断") % {"name": system.name}
            description = _("系统 %(name)s（%(code)s）于 %(at)s 报告故障。") % {
                "name": system.name,
                "code": system.code,
                "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"),
            }
        incident, warning_outcome = _incident_for_warning(
            source="system",
            source_key=f"system:{system.code}",
            category=rule.category,
            title=title,
            description=description,
            detected_at=at,
            started_at=at,
            evidence=evidence,
            affected_system=system.code,
        )
        outcome = (
            SystemEvent.Outcome.OPENED
            if warning_outcome == EarlyWarning.Outcome.DECLARED
            else SystemEvent.Outcome.REUSED
        )
        if incident.state == State.MONITORING:
            # Art. 2: the clock runs only while the outage is a warning; once reported it has done its job.
            escalation_services.outage_clock_start(incident=incident, outage_started_at=at)
        EarlyWarning.objects.create(
            rule=rule,
            rule_code=rule.code,
            kind=rule.kind,
            system=system,
            at=at,
            evidence=evidence,
            incident=incident,
            outcome=warning_outcome,
        )
        escalation_services.notify(
            incident=incident,
            audience=audience_of(rule, system.owning_group),
            event="system_down",
            context={**evidence, "description": description},
        )
    system.status, system.status_since, system.current_incident = SystemStatus.DOWN, at, incident
    system.save(update_fields=["status", "status_since", "current_incident"])
    event = SystemEvent.objects.create(
        system=system,
        status=SystemStatus.DOWN,
        at=at,
        outcome=outcome,
        incident=incident,
        reported_by=reporter,
    )
    return SystemEventResult(
        event=event, system=system, changed=True, incident=incident, message=_("已记录系统故障。")
    )


def _system_up(*, system: MonitoredSystem, at: datetime, reporter: Any) -> SystemEventResult:
    incident = system.current_incident
    down_since = system.status_since if system.status == SystemStatus.DOWN else None
    if incident is not None:
        escalation_services.outage_clock_cancel(incident=incident, recovered_at=at)
        if incident.state != State.CLOSED:
            with translation.override(settings.LANGUAGE_CODE):
                comment = _("系统 %(name)s 于 %(at)s 恢复正常。") % {
                    "name": system.name,
                    "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"),
                }
            incident_services.incident_record_action(
                incident_id=incident.pk,
                user=incident_policies.SYSTEM_USER,
                action="system_recovered",
                comment=comment,
                payload={
                    "system": system.code,
                    "down_at": down_since.isoformat() if down_since else None,
                    "up_at": at.isoformat(),
                    "outage_seconds": int((at - down_since).total_seconds()) if down_since else None,
                },
            )
    system.status, system.status_since, system.current_incident = SystemStatus.UP, at, None
    system.save(update_fields=["status", "status_since", "current_incident"])
    event = SystemEvent.objects.create(
        system=system,
        status=SystemStatus.UP,
        at=at,
        outcome=SystemEvent.Outcome.RECOVERED if incident else SystemEvent.Outcome.RECORDED,
        incident=incident,
        reported_by=reporter,
    )
    return SystemEventResult(
        event=event, system=system, changed=True, incident=incident, message=_("已记录系统恢复。")
    )
