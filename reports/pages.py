"""What each page of the reports app shows — one function per page, returning what its template needs."""

from __future__ import annotations

from typing import Any

from django.forms import BaseForm, Textarea

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

# The investigation page's parts: the context name of each part's form and its class (a refused part is
# shown again bound to what was typed).
BOUND_FORMS: dict[str, tuple[str, type[BaseForm]]] = {
    "investigation": ("investigation_form", InvestigationForm),
    "responsible": ("responsible_form", ResponsiblePersonForm),
    "action": ("action_form", CorrectiveActionForm),
    "drill": ("drill_form", DrillRecordForm),
}


def may_write(*, user: Any, incident: Incident) -> bool:
    return incident.state == State.INVESTIGATING and selectors.may_write_investigation(
        incident=incident, user=user
    )


def report(*, user: Any, incident: Incident) -> dict[str, Any]:
    """The post-incident report; whoever may write the investigation now is sent to its own page."""
    return {
        "incident": incident,
        "report": post_incident.report_for(incident=incident),
        "may_write": may_write(user=user, incident=incident),
    }


def _investigation_forms(incident: Incident, bound: dict[str, Any]) -> dict[str, Any]:
    """The investigation page's forms: blank or filled from the record, except the one just submitted with
    an error (``bound``), which keeps what was typed."""
    investigation = selectors.investigation_record(incident=incident)
    forms: dict[str, Any] = {
        "investigation_form": InvestigationForm(instance=investigation)
        if investigation
        else InvestigationForm(initial={"late_report": selectors.late_report_of(incident=incident)["late"]}),
        "responsible_form": ResponsiblePersonForm(),
        "action_form": CorrectiveActionForm(),
        "action_forms": [
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
        ],
    }
    if incident.is_drill:
        record = selectors.drill_record_of(incident=incident)
        forms["drill_form"] = DrillRecordForm(instance=record) if record else DrillRecordForm()
    forms.update(bound)
    for form in forms.values():  # short text boxes: the page stays readable and every error in view
        for field in getattr(form, "fields", {}).values():
            if isinstance(field.widget, Textarea):
                field.widget.attrs["rows"] = 3
    for _action, form in forms["action_forms"]:
        for field in form.fields.values():
            if isinstance(field.widget, Textarea):
                field.widget.attrs["rows"] = 2
    return forms


def investigation(*, user: Any, incident: Incident, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    """The investigation form on its own page (issue 12), with the forms of whoever may write it now."""
    writable = True if bound else may_write(user=user, incident=incident)
    context: dict[str, Any] = {"incident": incident, "may_write": writable}
    if writable:
        context.update(_investigation_forms(incident, bound or {}))
    else:
        # not editable (closed, or not this user's): what was recorded, read-only — findings, who, when
        context["record"] = selectors.investigation_record(incident=incident)
        context["investigators"] = list(incident.investigators.all())
    return context
