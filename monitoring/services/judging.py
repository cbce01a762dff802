"""Judging the early-warning rules over a queue's figures — pure: no database, no clock.

A rule fires once per *episode* (a run of adjacent intervals that cross its threshold, at least
``consecutive`` long): at the interval where the run reaches ``consecutive``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..models import (
    EarlyWarningRule,
    Queue,
    RuleKind,
)
from ..models.rule import RATE_OF_KIND


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


def judge(
    *,
    rules: list[EarlyWarningRule],
    window: dict[tuple[int, datetime], FigureRow],
    changed_by_queue: dict[int, list[datetime]],
    queues: dict[int, Queue],
    warned: set[tuple[int, int, datetime | None]],
) -> list[Firing]:
    """The firings of ``rules`` over the figures of ``window``, judged only where a changed figure can start
    or extend an episode. ``warned`` holds ``(rule id, queue id, interval start)`` of the warnings already
    raised around the window (an episode is warned once); it is extended with the new firings."""
    series_of: dict[int, list[FigureRow]] = defaultdict(list)
    for (queue_id, _start), figure in window.items():
        if queue_id in changed_by_queue:
            series_of[queue_id].append(figure)
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
