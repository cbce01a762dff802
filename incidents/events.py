"""Domain events: what ``incidents.services`` tells the apps built on it, inside the transaction of a change.

``incidents`` knows nothing above it. An app that must follow an incident change (escalation starts and
stops clocks, reports files the special report) subscribes a handler in its ``apps.py`` ``ready()``;
``publish`` calls the handlers at once, in the publishing transaction and under the incident's row lock,
so what they write (timer rows, the filed report) commits with the change or not at all. Handlers defer
I/O (notifications) with ``transaction.on_commit``, as every service does.

Handlers run in subscription order, which is ``INSTALLED_APPS`` order (escalation before reports: the
filed report shows the clocks as the close left them).

A *guard* is the opposite direction: before a transition runs, ``incidents`` asks the registered guards
of that transition (``close`` → reports: "is the investigation complete?"); a guard refuses by raising
``core.errors.Invalid`` / ``Conflict``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .models import Incident


@dataclass(frozen=True)
class IncidentDeclared:
    """An incident was opened (in 监测预警, Art. 7)."""

    incident: Incident
    actor: Any

    @property
    def incident_id(self) -> int:
        return self.incident.pk


@dataclass(frozen=True)
class IncidentTransitioned:
    """A transition ran. ``from_state == to_state`` for a partial termination approval."""

    incident_id: int
    name: str
    from_state: str
    to_state: str
    actor: Any
    incident: Incident


@dataclass(frozen=True)
class ProgressUpdated:
    """最新进展 was reported (Art. 10)."""

    incident: Incident
    actor: Any


@dataclass(frozen=True)
class RegulatorDecisionRecorded:
    """The Leadership Group recorded whether the event is reported to the regulator (Art. 10)."""

    incident: Incident
    actor: Any
    decision: dict[str, Any]


@dataclass(frozen=True)
class RegulatorDeadlineEnded:
    """A regulator deadline ended — met, met late or waived as missed (Art. 10): its reminder stops."""

    incident: Incident
    actor: Any
    kind: str
    outcome: str


@dataclass(frozen=True)
class ChecklistItemDone:
    """A measure of the plan was completed (issue 13); ``next_item`` is a recurring item's next occurrence."""

    incident: Incident
    actor: Any
    item: Any
    next_item: Any = None


@dataclass(frozen=True)
class IncidentKindCorrected:
    """The Leadership Group corrected the kind of event (Art. 14): the measures of the new kind were added
    (``added``), withdrawn ones it asks for again reinstated, due from now (``reinstated``), and the open
    ones that no longer apply withdrawn (``withdrawn_ids``; the rows stay) — their clocks follow."""

    incident: Incident
    actor: Any
    added: list[Any]
    withdrawn_ids: list[int]
    reinstated: list[Any] = field(default_factory=list)


Event = (
    IncidentDeclared
    | IncidentTransitioned
    | ProgressUpdated
    | RegulatorDecisionRecorded
    | RegulatorDeadlineEnded
    | ChecklistItemDone
    | IncidentKindCorrected
)
E = TypeVar(
    "E",
    IncidentDeclared,
    IncidentTransitioned,
    ProgressUpdated,
    RegulatorDecisionRecorded,
    RegulatorDeadlineEnded,
    ChecklistItemDone,
    IncidentKindCorrected,
)

_handlers: dict[type, list[Callable[[Any], None]]] = defaultdict(list)
_guards: dict[str, list[Callable[[Incident], None]]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Call ``handler`` for every event of this type (idempotent: subscribing twice calls it once)."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def publish(event: Event) -> None:
    for handler in _handlers[type(event)]:
        handler(event)


def guard_transition(name: str, guard: Callable[[Incident], None]) -> None:
    """Ask ``guard`` before every ``name`` transition; it refuses by raising a ``core.errors`` refusal."""
    if guard not in _guards[name]:
        _guards[name].append(guard)


def check_guards(*, name: str, incident: Incident) -> None:
    for guard in _guards[name]:
        guard(incident)
