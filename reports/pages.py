"""What each page of the reports app shows — one function per page, returning what its template needs."""

from __future__ import annotations

from typing import Any

from incidents.models import Incident, State

from . import post_incident, selectors
from .forms import (
    ActionProgressForm,
    CorrectiveActionForm,
    DrillRecordForm,
    InvestigationForm,
    ResponsiblePersonForm,
)

PROGRESS_FIELDS = ("status", "closure_evidence", "retest", "retest_note")


def report(*, user: Any, incident: Incident) -> dict[str, Any]:
    """The post-incident report, and the forms of whoever may write the investigation now."""
    may_write = incident.state == State.INVESTIGATING and selectors.may_write_investigation(
        incident=incident, user=user
    )
    context: dict[str, Any] = {
        "incident": incident,
        "report": post_incident.report_for(incident=incident),
        "may_write": may_write,
    }
    if not may_write:
        return context
    investigation = selectors.investigation_record(incident=incident)
    context["investigation_form"] = (
        InvestigationForm(instance=investigation)
        if investigation
        else InvestigationForm(initial={"late_report": selectors.late_report_of(incident=incident)["late"]})
    )
    context["responsible_form"] = ResponsiblePersonForm()
    context["action_form"] = CorrectiveActionForm()
    context["action_forms"] = [
        (
            action,
            ActionProgressForm(
                None,
                action=action,
                auto_id=f"id_action{action.pk}_%s",
                initial={name: getattr(action, name) for name in PROGRESS_FIELDS},
            ),
        )
        for action in selectors.actions_of(incident=incident)
    ]
    if incident.is_drill:
        record = selectors.drill_record_of(incident=incident)
        context["drill_form"] = DrillRecordForm(instance=record) if record else DrillRecordForm()
    return context
