"""Every write to an incident goes through here (STYLE.md §2): the browser, the API, Celery tasks and the
other apps call these same functions.

- ``acting``: ``incident_action``, the one way to act on an incident — lock the row, refuse with the
  shared messages, append the timeline entry; ``incident_locked`` for the timer sweep;
- ``transitions``: declaring and the state machine's transitions, publishing ``incidents.events``;
- ``records``: writes that change no state (progress updates, evidence, the regulator decision, facts);
- ``checklists``: the plan's checklist (DESIGN §4).
"""

from __future__ import annotations

from .acting import IncidentAction, incident_action, incident_locked, incidents_locked
from .acting import _plain as json_safe
from .checklists import (
    checklist_instantiate,
    checklist_item_complete,
    checklist_item_done_by_measure,
    incident_correct_kind,
)
from .records import (
    incident_add_attachment,
    incident_add_update,
    incident_correct_event_start,
    incident_record_action,
    incident_record_regulator_decision,
    incident_relate,
)
from .transitions import incident_declare, incident_transition

__all__ = [
    "IncidentAction",
    "checklist_instantiate",
    "checklist_item_complete",
    "checklist_item_done_by_measure",
    "incident_action",
    "incident_add_attachment",
    "incident_add_update",
    "incident_correct_event_start",
    "incident_correct_kind",
    "incident_declare",
    "incident_locked",
    "incidents_locked",
    "incident_record_action",
    "incident_record_regulator_decision",
    "incident_relate",
    "incident_transition",
    "json_safe",
]
