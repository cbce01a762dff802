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
    pass


def after_transition(*, incident: Incident, name: str, from_state: str, user: Any) -> None:
    if name == "close":
        # The special report is filed, frozen and hashed in the close transaction (DESIGN §6).
        from reports import services as report_services

        report_services.report_file(incident=incident, user=user)


def after_progress_update(*, incident: Incident) -> None:
    pass


def after_regulator_decision(*, incident: Incident, decision: dict[str, Any]) -> None:
    pass


def check_can_close(*, incident: Incident) -> None:
    """``close`` needs a complete investigation report (DESIGN §6); the reports app says what is missing."""
    from reports import services as report_services

    report_services.require_complete_investigation(incident=incident)
