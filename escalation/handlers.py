"""What escalation does when an incident changes: the handlers of ``incidents.events``, subscribed in
``apps.py`` ``ready()``. They run in the incident's transaction, under its row lock: timer rows commit
with the change; notifications go out on commit. Which clocks a state starts or keeps: ``states.CLOCKS``."""

from __future__ import annotations

from collections.abc import Callable

from incidents import events
from incidents.models import Incident, RegulatorDecision, State
from incidents.plans import Category

from . import calls, services
from .models import TimerKind as K
from .states import CLOCKS


def on_declared(event: events.IncidentDeclared) -> None:
    incident = event.incident
    # Art. 18: a new warning inside the post-event watch of a terminated incident is linked to it.
    services.recurrence_link(incident=incident)
    # Art. 2: a system outage declared by a person starts the 60-minute clock at the outage start (the
    # monitoring feed starts it too; the clock is idempotent).
    if incident.category == Category.SYSTEM_OUTAGE and incident.state == State.MONITORING:
        services.outage_clock_start(
            incident=incident, outage_started_at=incident.started_at or incident.detected_at
        )


def _chain(kind: K) -> Callable[[Incident], object]:
    def start(incident: Incident) -> object:
        return services.escalation_start(incident=incident, policy_code=kind.value, kind=kind)

    return start


def _regulator_decision_missing(incident: Incident) -> object:
    if incident.regulator_decision != RegulatorDecision.PENDING:
        return None
    return _chain(K.REGULATOR_DECISION_MISSING)(incident)


def _termination_overdue(incident: Incident) -> object:
    if not incident.termination_deadline:
        return None
    return services.escalation_start(
        incident=incident,
        policy_code=K.TERMINATION_OVERDUE.value,
        kind=K.TERMINATION_OVERDUE,
        start_at=incident.termination_deadline,
    )


STARTERS: dict[K, Callable[[Incident], object]] = {
    K.REGULATOR_DECISION_MISSING: _regulator_decision_missing,
    K.TERMINATION_OVERDUE: _termination_overdue,
    K.POST_EVENT_WATCH: lambda incident: services.post_event_watch_start(incident=incident),
}


def on_transitioned(event: events.IncidentTransitioned) -> None:
    """Whoever must decide next is called at once (issue 12, ``calls``); then timers follow the state
    (DESIGN §5): whatever the new state does not keep is cancelled, and the new state's clocks start."""
    calls.call_after_transition(incident=event.incident, name=event.name, user=event.actor)
    if event.name == "activate":
        calls.call_measure_owners(incident=event.incident)
    if event.to_state == event.from_state:
        return  # a partial termination approval: the approvals-missing reminder keeps running
    incident = event.incident
    services.timers_cancel_out_of_state(incident=incident, reason=f"{event.name} → {event.to_state}")
    state = State(event.to_state)
    for kind in CLOCKS[state].start:
        STARTERS.get(kind, _chain(kind))(incident)
    if state == State.REPORTED:
        services.late_report_record(incident=incident)  # Art. 21: measured when the report lands
    if event.name == "activate":  # issue 13: every measure of the plan gets its overdue clock
        services.measure_clocks_start(incident=incident)


def on_checklist_done(event: events.ChecklistItemDone) -> None:
    """A measure is done: its overdue clock stops; a recurring one's next occurrence gets its own."""
    services.measure_clock_stop(incident=event.incident, measure="checklist_item", record_id=event.item.pk)
    if event.next_item is not None:
        services.measure_clocks_start(incident=event.incident, items=[event.next_item])


def on_kind_corrected(event: events.IncidentKindCorrected) -> None:
    """The kind of event changed (Art. 14): the withdrawn measures' clocks stop, the added and reinstated
    ones' start (a reinstated item's old steps were cancelled when it was withdrawn)."""
    for item_id in event.withdrawn_ids:
        services.measure_clock_stop(
            incident=event.incident, measure="checklist_item", record_id=item_id, reason="withdrawn"
        )
    if event.added or event.reinstated:
        services.measure_clocks_start(incident=event.incident, items=[*event.added, *event.reinstated])


def on_progress_updated(event: events.ProgressUpdated) -> None:
    """Art. 10: a progress update restarts the progress-silent reminders."""
    if event.incident.state == State.EXECUTING:
        _chain(K.PROGRESS_SILENT)(event.incident)


def on_regulator_decision(event: events.RegulatorDecisionRecorded) -> None:
    """Art. 10: the decision stops the reminder; a decision to report starts the regulator deadlines."""
    services.regulator_clock_start(incident=event.incident, decision=event.decision)


def on_regulator_deadline_ended(event: events.RegulatorDeadlineEnded) -> None:
    """Art. 10: a deadline met, met late or waived stops its reminder clock."""
    services.timers_cancel(incident=event.incident, kinds=[event.kind], reason=event.outcome)


def connect() -> None:
    events.subscribe(events.IncidentDeclared, on_declared)
    events.subscribe(events.IncidentTransitioned, on_transitioned)
    events.subscribe(events.ProgressUpdated, on_progress_updated)
    events.subscribe(events.RegulatorDecisionRecorded, on_regulator_decision)
    events.subscribe(events.RegulatorDeadlineEnded, on_regulator_deadline_ended)
    events.subscribe(events.ChecklistItemDone, on_checklist_done)
    events.subscribe(events.IncidentKindCorrected, on_kind_corrected)
