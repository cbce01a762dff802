"""What every measure's write shares (DESIGN §4): atomic, under the incident's row lock, permission checked,
the incident in a state where the measure applies, validated by the measure's form, and recorded as one
entry on the incident's timeline (through ``incidents.services.timeline_append_action``, which needs that
lock to keep the hash chain linear)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from core import errors as refusals
from core.errors import Conflict, Forbidden, IncidentNotFound, Invalid
from incidents import policies
from incidents import services as incident_services
from incidents.models import Incident, State
from teams import selectors as team_selectors

# Most measures are taken while the plan runs: from activation until the termination is approved.
MEASURE_STATES = (State.ACTIVATED, State.EXECUTING, State.TERMINATION_REQUESTED)
# Art. 14 (3): a fire does not wait for the Leadership Group — the roll call may start from declaration on.
ROLL_CALL_STATES = (State.MONITORING, State.REPORTED, *MEASURE_STATES)
# A person still 失联 stays open for updates after the roll call and after termination, until the close.
MISSING_UPDATE_STATES = (*ROLL_CALL_STATES, State.TERMINATED, State.INVESTIGATING)
# Complaints go on after the incident terminates (Art. 14-bis 7, issue 13): until the case is closed.
COMPLAINT_STATES = (*MEASURE_STATES, State.TERMINATED, State.INVESTIGATING)

_STATE_REFUSALS: dict[tuple[str, ...], Any] = {
    MEASURE_STATES: gettext_lazy("当前状态为“%(state)s”，预案措施只能在启动后、终止前登记。"),
    ROLL_CALL_STATES: gettext_lazy("当前状态为“%(state)s”，撤离点名只能在事件登记后、终止前开始。"),
    COMPLAINT_STATES: gettext_lazy("当前状态为“%(state)s”，投诉处理只能在启动后、结案前登记。"),
}


def lock(
    incident_id: int,
    user: Any,
    check: Callable[[Incident, Any], bool] = policies.may_act_on,
    states: Iterable[str] = MEASURE_STATES,
) -> Incident:
    try:
        incident = (
            Incident.objects.select_for_update(of=("self",)).select_related("lead_group").get(pk=incident_id)
        )
    except Incident.DoesNotExist as exc:
        raise IncidentNotFound(refusals.not_found_message()) from exc
    actor = team_selectors.actor_for(user)
    if actor.is_read_only:
        raise Forbidden(refusals.read_only_message())
    if not check(incident, user):
        raise Forbidden(refusals.not_allowed_message())
    states = tuple(states)
    if incident.state not in states:
        refusal = _STATE_REFUSALS.get(states, _STATE_REFUSALS[MEASURE_STATES])
        raise Conflict(
            str(refusal) % {"state": incident.get_state_display()},
            current_state=incident.state,
        )
    return incident


def valid(form: forms.BaseForm) -> dict[str, Any]:
    if not form.is_valid():
        raise Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())
    return form.cleaned_data


def record(incident: Incident, user: Any, action: str, comment: str = "", **payload: Any) -> None:
    incident_services.timeline_append_action(
        incident=incident, user=user, action=action, comment=comment, payload=payload
    )


def may_decide(incident: Incident, user: Any) -> bool:
    return team_selectors.actor_for(user).is_leadership_decider
