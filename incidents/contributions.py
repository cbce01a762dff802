"""What the apps built on ``incidents`` add to its pages — the read side of ``events``. ``incidents`` knows
nothing above it, so an app that has something to show on the board, an incident page or the approval
inbox registers a *source* in its ``apps.py`` ``ready()``: escalation its running clocks (deadlines),
measures the measures awaiting a Leadership decision."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

DeadlineSource = Callable[[list[int]], dict[int, list[dict[str, Any]]]]
DecisionSource = Callable[[Any], list[dict[str, Any]]]

_deadline_sources: list[DeadlineSource] = []
_decision_sources: list[DecisionSource] = []


def add_deadline_source(source: DeadlineSource) -> None:
    """``source(incident_ids) -> {incident_id: [{"kind", "due_at" (ISO), "label", ...}]}``, one query."""
    if source not in _deadline_sources:
        _deadline_sources.append(source)


def add_decision_source(source: DecisionSource) -> None:
    """``source(user) -> [{"kind", "at", "incident", "record", "own"}]``: what awaits this decider."""
    if source not in _decision_sources:
        _decision_sources.append(source)


def deadlines_for_incidents(ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    ids = list(ids)
    merged: dict[int, list[dict[str, Any]]] = {}
    for source in _deadline_sources:
        for incident_id, items in source(ids).items():
            merged.setdefault(incident_id, []).extend(items)
    return merged


def decisions_awaiting(user: Any) -> list[dict[str, Any]]:
    items = [item for source in _decision_sources for item in source(user)]
    return sorted(items, key=lambda item: item["at"])
