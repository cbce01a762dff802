"""The corrective-action clock (Art. 19 防范控制措施) on the one overdue clock of every measure (issue 13,
``escalation.services.measure_clock_start``): an open action is due at the start of the day after its due
date (Asia/Shanghai); overdue, its owner is reminded, then the lead group's lead, then the leader and deputy,
each once (timers of kind ``corrective_action_overdue`` from the admin-edited ``measure_overdue`` policy).
Completing the action stops its clock; the state table (``escalation.states``) keeps that kind while the case
is investigated (closing the case cancels it), and actions are added exactly there (``ACTION_STATES``)."""

from __future__ import annotations

from django.urls import reverse

from escalation import services as escalation_services
from escalation.models import TimerKind
from escalation.states import states_keeping
from incidents.models import Incident

from .models import CorrectiveAction

MEASURE = "corrective_action"
CLOCK = TimerKind.CORRECTIVE_ACTION_OVERDUE
# the states in which corrective actions are added: those whose clocks keep theirs (the one table)
ACTION_STATES = states_keeping(CLOCK)


def register() -> None:
    escalation_services.measure_kind_register(
        escalation_services.MeasureKind(
            code=MEASURE,
            find=lambda pk: (
                CorrectiveAction.objects.select_related("owner")
                .filter(pk=pk)
                .exclude(status=CorrectiveAction.Status.DONE)
                .first()
            ),
            timer_kind=CLOCK,
        )
    )


def action_clock_follow(*, incident: Incident, action: CorrectiveAction) -> None:
    """Start, move or stop the action's clock to match it (called in the write's transaction): a done
    action's clock stops; an open one's runs from its due date (restarted only when that changed)."""
    if action.status == CorrectiveAction.Status.DONE:
        escalation_services.measure_clock_stop(
            incident=incident, measure=MEASURE, record_id=action.pk, reason="done"
        )
        return
    running = escalation_services.measure_clock_due(incident=incident, measure=MEASURE, record_id=action.pk)
    if running != action.due_at:
        escalation_services.measure_clock_start(
            incident=incident,
            measure=MEASURE,
            record=action,
            title=action.title,
            article="第十九条",
            path=reverse("reports:report", args=[incident.pk]),
        )
