"""What follows from each change to an incident, decided in one place (the Netflix Dispatch habit).

Called by ``incidents.services`` inside the transaction that made the change: timer rows are written
here in that same transaction (so a timer exists if and only if the state change committed), and any
I/O — notifications — is deferred by the called services with ``transaction.on_commit``.
Other apps are reached through their services, imported as modules.
"""

from __future__ import annotations

from typing import Any

from .models import Incident


def after_declare(*, incident: Incident, user: Any) -> None:
    from escalation import services as escalation_services

    # Art. 18: a new warning inside the post-event watch of a terminated incident is linked to it.
    escalation_services.recurrence_link(incident=incident)
    # Art. 2: a system outage declared by a person starts the 60-minute clock at the outage start (the
    # monitoring API starts it too; the clock is idempotent).
    if incident.category == "system_outage" and incident.state == "monitoring":
        escalation_services.outage_clock_start(
            incident=incident, outage_started_at=incident.started_at or incident.detected_at
        )


def after_transition(*, incident: Incident, name: str, from_state: str, user: Any) -> None:
    """Timers follow the state (DESIGN §5): whatever is not about the new state is cancelled, and the new
    state's clocks start — all in the transition's transaction."""
    from escalation import calls
    from escalation import services as escalation_services
    from escalation.models import TimerKind as Kind

    # Whoever must decide next is called at once (issue 12); the reminders below follow if they stay silent.
    calls.call_after_transition(incident=incident, name=name, user=user)
    if incident.state == from_state:
        return  # a partial termination approval: the approvals-missing reminder keeps running
    escalation_services.timers_cancel_out_of_state(incident=incident, reason=f"{name} → {incident.state}")
    state = incident.state
    if name == "report":
        escalation_services.escalation_start(
            incident=incident, policy_code="decision_pending", kind=Kind.DECISION_PENDING
        )
        escalation_services.late_report_record(incident=incident)
    elif name == "activate" and incident.regulator_decision == "pending":
        escalation_services.escalation_start(
            incident=incident, policy_code="regulator_decision_missing", kind=Kind.REGULATOR_DECISION_MISSING
        )
    elif state == "executing":  # execute, or a rejected termination back to executing
        escalation_services.escalation_start(
            incident=incident, policy_code="progress_silent", kind=Kind.PROGRESS_SILENT
        )
    if name == "request_termination":
        escalation_services.escalation_start(
            incident=incident, policy_code="approvals_missing", kind=Kind.APPROVALS_MISSING
        )
        if incident.termination_deadline:
            escalation_services.escalation_start(
                incident=incident,
                policy_code="termination_overdue",
                kind=Kind.TERMINATION_OVERDUE,
                start_at=incident.termination_deadline,
            )
    elif state == "terminated":
        escalation_services.escalation_start(
            incident=incident, policy_code="investigation_not_started", kind=Kind.INVESTIGATION_NOT_STARTED
        )
        escalation_services.post_event_watch_start(incident=incident)
    elif name == "investigate":
        escalation_services.escalation_start(
            incident=incident, policy_code="investigation_not_closed", kind=Kind.INVESTIGATION_NOT_CLOSED
        )
    if name == "close":
        # The special report is filed, frozen and hashed in the close transaction (DESIGN §6), after the
        # timers above have followed the close, so the filed copy shows the clocks as they ended.
        from reports import services as report_services

        report_services.report_file(incident=incident, user=user)


def after_progress_update(*, incident: Incident) -> None:
    """Art. 10: a progress update restarts the progress-silent reminders."""
    from escalation import services as escalation_services
    from escalation.models import TimerKind as Kind

    if incident.state == "executing":
        escalation_services.escalation_start(
            incident=incident, policy_code="progress_silent", kind=Kind.PROGRESS_SILENT
        )


def after_regulator_decision(*, incident: Incident, decision: dict[str, Any]) -> None:
    """Art. 10: the decision stops the reminder; a decision to report starts the regulator deadlines."""
    from escalation import services as escalation_services

    escalation_services.regulator_clock_start(incident=incident, decision=decision)


def check_can_close(*, incident: Incident) -> None:
    """``close`` needs a complete investigation report (DESIGN §6); the reports app says what is missing."""
    from reports import services as report_services

    report_services.require_complete_investigation(incident=incident)
