"""What the apps built on ``incidents`` add to its pages — the read side of ``events``. ``incidents`` knows
nothing above it, so an app that has something to show on the board, an incident page or the approval
inbox registers a *source* in its ``apps.py`` ``ready()``: escalation its running clocks (deadlines),
measures the measures awaiting a Leadership decision, monitoring the latest traffic figures an approver
weighs on a termination request, reports the investigation form offered on the incident page (issue 12),
measures the people a roll call has not accounted for (alerts: a red badge on the board's card and at the
top of the incident page, issue 12), and the checklist items whose work a measure has under way, which a kind
correction keeps open rather than withdraws (keep-open)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

DeadlineSource = Callable[[list[int]], dict[int, list[dict[str, Any]]]]
DecisionSource = Callable[[Any], list[dict[str, Any]]]

FiguresSource = Callable[[], dict[str, Any] | None]
ActionSource = Callable[[Any, Any], list[dict[str, str]]]
AlertSource = Callable[[list[int]], dict[int, list[dict[str, Any]]]]
KeepOpenSource = Callable[[Any, list[Any]], dict[str, dict[str, Any]]]

_deadline_sources: list[DeadlineSource] = []
_decision_sources: list[DecisionSource] = []
_figures_sources: list[FiguresSource] = []
_action_sources: list[ActionSource] = []
_alert_sources: list[AlertSource] = []
_keep_open_sources: list[KeepOpenSource] = []


def add_figures_source(source: FiguresSource) -> None:
    """``source() -> {"interval_start", "offered", "answer_rate", "service_level", "abandonment_rate"}``."""
    if source not in _figures_sources:
        _figures_sources.append(source)


def add_action_source(source: ActionSource) -> None:
    """``source(incident, user) -> [{"label", "url"}]``: work another app holds for this user here."""
    if source not in _action_sources:
        _action_sources.append(source)


def latest_figures() -> dict[str, Any] | None:
    for source in _figures_sources:
        figures = source()
        if figures:
            return figures
    return None


def incident_actions(incident: Any, user: Any) -> list[dict[str, str]]:
    return [action for source in _action_sources for action in source(incident, user)]


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


def add_alert_source(source: AlertSource) -> None:
    """``source(incident_ids) -> {incident_id: [{"kind", "label", "count", "url", "level", "title"}]}`` in
    ONE query for all ids: a fact about people or safety that must not stay on another app's page (e.g.
    measures' "失联 N 人"). ``level`` is ``"danger"`` (red) or ``"warning"``; ``label`` is in the reader's
    language; ``title`` (optional) says it in a sentence, as a link's tooltip; ``sentence`` (optional) says it
    plainly, for a notice (the termination forms and the approver's inbox card)."""
    if source not in _alert_sources:
        _alert_sources.append(source)


def alerts_for_incidents(ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The alerts of many incidents (one query per registered source, whatever the number of ids), red
    ones first: ``{incident_id: [alert, ...]}``; an incident without alerts is absent."""
    ids = list(ids)
    merged: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return merged
    for source in _alert_sources:
        for incident_id, items in source(ids).items():
            if items:
                merged.setdefault(incident_id, []).extend(items)
    for items in merged.values():
        items.sort(key=lambda item: item.get("level") != "danger")
    return merged


def add_keep_open_source(source: KeepOpenSource) -> None:
    """``source(incident, items) -> {item_code: {"why": <Chinese msgid, gettext_noop>, ...facts}}``: of the
    open checklist ``items`` a kind correction would withdraw, those whose work another app has under way
    (e.g. measures' roll call still open or with people 失联). The correction keeps them open and says so
    on the timeline, with ``why`` and the facts."""
    if source not in _keep_open_sources:
        _keep_open_sources.append(source)


def items_kept_open(incident: Any, items: list[Any]) -> dict[str, dict[str, Any]]:
    """``{item_code: {"why", ...}}`` over every registered source (the first source to keep a code wins)."""
    kept: dict[str, dict[str, Any]] = {}
    if not items:
        return kept
    for source in _keep_open_sources:
        for code, why in source(incident, items).items():
            kept.setdefault(code, why)
    return kept
