"""What every measure's write shares (DESIGN §4): it runs in ``incidents.services.incident_action`` —
atomic, under the incident's row lock, refused with the shared messages, only in the states where the
measure applies — is validated by the measure's form, and is recorded as one entry on the timeline."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from core import errors as refusals
from core.errors import Invalid
from escalation.models import TimerKind
from escalation.states import states_keeping
from incidents import policies
from incidents import services as incident_services
from incidents.models import Incident, State
from incidents.states import PLAN_RUNNING_STATES
from teams import selectors as team_selectors

# Most measures are taken while the plan runs: from activation until the termination is approved.
MEASURE_STATES = PLAN_RUNNING_STATES
# Art. 14 (3): a fire does not wait for the Leadership Group — the roll call may start from declaration on.
ROLL_CALL_STATES = (State.MONITORING, State.REPORTED, *MEASURE_STATES)
# A person still 失联 stays open for updates after the roll call and after termination, until the close.
MISSING_UPDATE_STATES = (*ROLL_CALL_STATES, State.TERMINATED, State.INVESTIGATING)
# Complaints go on after the incident terminates (Art. 14-bis 7, issue 13): until the case is closed.
COMPLAINT_STATES = (*MEASURE_STATES, State.TERMINATED, State.INVESTIGATING)
# Art. 18's after-event work: recorded while its overdue clock runs — after the termination, until the close
# (the clock table ``escalation.states`` is the one place that says so).
AFTER_EVENT_STATES = states_keeping(TimerKind.AFTER_EVENT_OVERDUE)

_STATE_REFUSALS: dict[tuple[str, ...], Any] = {
    MEASURE_STATES: gettext_lazy("当前状态为“%(state)s”，预案措施只能在启动后、终止前登记。"),
    ROLL_CALL_STATES: gettext_lazy("当前状态为“%(state)s”，撤离点名只能在事件登记后、终止前开始。"),
    COMPLAINT_STATES: gettext_lazy("当前状态为“%(state)s”，投诉处理只能在启动后、结案前登记。"),
    AFTER_EVENT_STATES: gettext_lazy("当前状态为“%(state)s”，事后工作（第十八条）只能在终止后、结案前登记。"),
}


def measure_action(
    incident_id: int,
    user: Any,
    check: Callable[[Incident, Any], bool] = policies.may_act_on,
    states: Iterable[str] = MEASURE_STATES,
    directors_only: str | None = None,
) -> Any:
    """Act on the incident for a measure (``incidents.services.incident_action``), only in ``states``.
    ``directors_only``: the refusal of a write only the lead group's lead or the Leadership Group may make
    (``policies.may_direct_response``)."""
    states = tuple(states)
    refusal = _STATE_REFUSALS.get(states, _STATE_REFUSALS[MEASURE_STATES])
    if directors_only:
        check = policies.may_direct_response
    return incident_services.incident_action(
        incident_id,
        user=user,
        may=check,
        states=states,
        wrong_state_message=lambda incident: str(refusal) % {"state": incident.get_state_display()},
        not_allowed_message=(lambda incident: str(directors_only)) if directors_only else None,
    )


def valid(form: forms.BaseForm) -> dict[str, Any]:
    if not form.is_valid():
        raise Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())
    return form.cleaned_data


def in_plan_language() -> Any:
    """``with in_plan_language(): record(...)`` — a system-written timeline text is stored in the plan's
    language (the record the hash chain covers); pages rebuild it for the reader from the payload."""
    from django.conf import settings
    from django.utils import translation

    return translation.override(settings.LANGUAGE_CODE)


def record(act: Any, action: str, comment: str = "", **payload: Any) -> None:
    act.record(action, comment=comment, payload=payload)


def may_decide(incident: Incident, user: Any) -> bool:
    return team_selectors.actor_for(user).is_leadership_decider
