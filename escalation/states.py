"""Which clocks start, and which stay valid, in each state of an incident (DESIGN §5) — the one table.

Entering a state starts its ``start`` clocks (``escalation.handlers``); leaving a state cancels every
pending timer whose kind is not in the new state's ``keep`` (``timers_cancel_out_of_state``); firing
re-checks the same table (``timer_fire``). Kinds in ``ANY_STATE`` are about no particular state.
"""

from __future__ import annotations

from dataclasses import dataclass

from incidents.models import State

from .models import TimerKind as K


@dataclass(frozen=True)
class StateClocks:
    start: tuple[K, ...] = ()
    keep: frozenset[K] = frozenset()


# Art. 10: the regulator deadlines survive terminate and close: they end met, met late or waived
# (``incidents.regulator``; the waiver-then-close path cancels them first).
REGULATOR_DEADLINES = frozenset(
    {
        K.REGULATOR_PHONE_REPORT,
        K.REGULATOR_WRITTEN_REPORT,
        K.REGULATOR_IMPORTANT_SYSTEM,
        K.REGULATOR_MAJOR_RISK,
    }
)
REGULATOR = REGULATOR_DEADLINES | {K.REGULATOR_DECISION_MISSING}

# The measures' overdue clocks (issue 13; ``services.measure_clocks``: one policy, steps, payload and fire
# handler for every kind of measure). Each group of measures has its own timer kind, so that this table — and
# nothing else — says in which states it is chased: leaving them cancels the timers
# (``timers_cancel_out_of_state``), and a timer that fires in another state is dropped (``keeps``). The
# measures' pages and API allow recording a measure exactly where its clock runs (``states_keeping``).
#
# The plan's checklist is chased while the plan runs: activation until the termination is approved.
MEASURES = frozenset({K.MEASURE_OVERDUE})
# Art. 14-bis: complaints, dispute plans and clarification statements go on after the incident terminates,
# until the case is closed (Art. 14-bis 7) — their overdue clock and the complaint's reminder before its
# due time. ``complaint_clock_due`` stays a kind only for the rows written before issue 13 (decisions.md).
COMPLAINTS = frozenset({K.COMPLAINT_CASE_DUE, K.COMPLAINT_CASE_REMINDER})
# Art. 18: the after-event work (restore order, positive publicity): after the termination, until the close.
AFTER_EVENT = frozenset({K.AFTER_EVENT_OVERDUE})
# Art. 19: corrective actions are written while the case is investigated and chased until it closes.
CORRECTIVE_ACTIONS = frozenset({K.CORRECTIVE_ACTION_OVERDUE})

CLOCKS: dict[State, StateClocks] = {
    # Art. 2: the outage clock runs only while the outage is a warning (started by the declaration or the
    # monitoring feed, not by entering the state: a reopened warning has no outage start of its own).
    State.MONITORING: StateClocks(keep=frozenset({K.OUTAGE_WARNING, K.OUTAGE_LIMIT})),
    State.REPORTED: StateClocks(start=(K.DECISION_PENDING,), keep=frozenset({K.DECISION_PENDING})),
    # Art. 10: the regulator decision reminder starts at activation while that decision is pending.
    State.ACTIVATED: StateClocks(
        start=(K.REGULATOR_DECISION_MISSING,), keep=REGULATOR | COMPLAINTS | MEASURES
    ),
    State.EXECUTING: StateClocks(
        start=(K.PROGRESS_SILENT,),
        keep=REGULATOR | COMPLAINTS | MEASURES | {K.PROGRESS_SILENT, K.TERMINATION_OVERDUE},
    ),
    State.TERMINATION_REQUESTED: StateClocks(
        start=(K.APPROVALS_MISSING, K.TERMINATION_OVERDUE),
        keep=REGULATOR | COMPLAINTS | MEASURES | {K.APPROVALS_MISSING, K.TERMINATION_OVERDUE},
    ),
    State.TERMINATED: StateClocks(
        start=(K.INVESTIGATION_NOT_STARTED, K.POST_EVENT_WATCH),
        keep=REGULATOR | COMPLAINTS | AFTER_EVENT | {K.INVESTIGATION_NOT_STARTED, K.POST_EVENT_WATCH},
    ),
    State.INVESTIGATING: StateClocks(
        start=(K.INVESTIGATION_NOT_CLOSED,),
        keep=REGULATOR
        | COMPLAINTS
        | AFTER_EVENT
        | CORRECTIVE_ACTIONS
        | {K.INVESTIGATION_NOT_CLOSED, K.POST_EVENT_WATCH},
    ),
    State.CLOSED: StateClocks(keep=REGULATOR_DEADLINES | {K.POST_EVENT_WATCH}),
    State.DISMISSED: StateClocks(),
}

# a hand-off waits for its acknowledgement whatever the incident does (issue 13)
ANY_STATE: frozenset[K] = frozenset({K.REMINDER, K.ACK_SILENT})


def keeps(kind: str, state: str) -> bool:
    """Is a timer of this kind still about an incident in this state?"""
    return kind in ANY_STATE or kind in CLOCKS[State(state)].keep


def states_keeping(kind: str) -> tuple[State, ...]:
    """The states in which a clock of this kind runs — for a measure, the states it may be recorded in
    (in the order of ``State``)."""
    return tuple(state for state in State if keeps(kind, state))


def stale_kinds(state: str) -> list[K]:
    """The kinds to cancel when an incident enters ``state``."""
    return [kind for kind in K if not keeps(kind, state)]
