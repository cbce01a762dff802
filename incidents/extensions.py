"""What the apps built on ``incidents`` add to its pages, registered in their ``AppConfig.ready()`` so that
dependencies keep running one way (``incidents`` never imports the apps above it).

- ``inbox_decisions``: more decisions waiting for a user (the measures app's dispute plans and complaint
  extensions): ``provider(user) -> list[dict]`` with at least ``incident``, ``kind``, ``record``, ``since``.
- ``latest_figures``: the latest traffic figures an approver weighs before ending an emergency (the
  monitoring app): ``provider() -> dict | None``.
- ``incident_actions``: links to work the apps above hold for this user on this incident (the
  investigation form for an investigator): ``provider(incident, user) -> list[{"label", "url"}]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_inbox_decisions: list[Callable[[Any], list[dict[str, Any]]]] = []
_latest_figures: list[Callable[[], dict[str, Any] | None]] = []
_incident_actions: list[Callable[[Any, Any], list[dict[str, str]]]] = []


def register_inbox_decisions(provider: Callable[[Any], list[dict[str, Any]]]) -> None:
    if provider not in _inbox_decisions:
        _inbox_decisions.append(provider)


def register_latest_figures(provider: Callable[[], dict[str, Any] | None]) -> None:
    if provider not in _latest_figures:
        _latest_figures.append(provider)


def register_incident_actions(provider: Callable[[Any, Any], list[dict[str, str]]]) -> None:
    if provider not in _incident_actions:
        _incident_actions.append(provider)


def incident_actions(incident: Any, user: Any) -> list[dict[str, str]]:
    return [action for provider in _incident_actions for action in provider(incident, user)]


def inbox_decisions(user: Any) -> list[dict[str, Any]]:
    return [item for provider in _inbox_decisions for item in provider(user)]


def latest_figures() -> dict[str, Any] | None:
    for provider in _latest_figures:
        figures = provider()
        if figures:
            return figures
    return None
