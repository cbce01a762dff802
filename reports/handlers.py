"""What reports does when an incident changes (``incidents.events``), subscribed in ``apps.py``
``ready()``: ``close`` is guarded by the investigation being complete, and the special report is filed,
frozen and hashed in the close transaction (DESIGN §6) — after escalation's handler has stopped the
clocks, so the filed copy shows them as they ended. And corrective actions are registered as a kind of
measure on the one overdue clock (``clocks.register``)."""

from __future__ import annotations

from incidents import events
from incidents.models import Incident, State

from . import clocks, services


def require_complete_investigation(incident: Incident) -> None:
    services.require_complete_investigation(incident=incident)


def on_transitioned(event: events.IncidentTransitioned) -> None:
    if event.to_state == State.CLOSED and event.from_state != State.CLOSED:
        services.report_file(incident=event.incident, user=event.actor)


def connect() -> None:
    events.guard_transition("close", require_complete_investigation)
    events.subscribe(events.IncidentTransitioned, on_transitioned)
    clocks.register()
