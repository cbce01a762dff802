"""The state table (``escalation.states``) is the one place that says where each group of measures is chased
(issue 13 follow-up): each group's timer kind is kept exactly in its states, the measures are recorded
exactly there, a transition cancels what the new state does not keep, and the timers written before the
groups had kinds of their own move onto them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from core.errors import Conflict
from escalation.migration_steps import measure_timers_rekind
from escalation.models import Timer, TimerKind
from escalation.services.firing import HANDLERS
from escalation.services.measure_clocks import KINDS, MEASURE_KINDS
from escalation.states import states_keeping
from incidents import services as incident_services
from incidents.models import Incident, State
from measures import services as measure_services
from reports import services as report_services
from teams.models import Person
from tests.incidents.lifecycle import body_for
from tests.reports.builders import run_to_investigation

from .test_measure_clocks import _activated

PLAN = (State.ACTIVATED, State.EXECUTING, State.TERMINATION_REQUESTED)


def test_each_group_of_measures_is_kept_in_its_own_states():
    assert states_keeping(TimerKind.MEASURE_OVERDUE) == PLAN  # the plan runs
    assert states_keeping(TimerKind.COMPLAINT_CASE_DUE) == (  # Art. 14-bis 7: until the close
        *PLAN,
        State.TERMINATED,
        State.INVESTIGATING,
    )
    assert states_keeping(TimerKind.AFTER_EVENT_OVERDUE) == (State.TERMINATED, State.INVESTIGATING)  # Art. 18
    assert states_keeping(TimerKind.CORRECTIVE_ACTION_OVERDUE) == (State.INVESTIGATING,)  # Art. 19


def test_every_kind_of_measure_is_on_a_timer_kind_the_sweep_fires():
    assert set(MEASURE_KINDS) == {
        "checklist_item",
        "complaint_case",
        "dispute_plan",
        "statement",
        "corrective_action",
    }
    for code, kind in MEASURE_KINDS.items():
        assert kind.timer_kind in KINDS, code
        assert HANDLERS[kind.timer_kind] is HANDLERS[TimerKind.MEASURE_OVERDUE], code
        assert states_keeping(kind.timer_kind), code


@pytest.mark.django_db
def test_a_complaint_is_recorded_and_chased_where_the_table_keeps_its_clock_an_action_only_while_investigated(
    org,
):
    incident = run_to_investigation(org, warned_in_advance=False)
    handler = Person.objects.get(user__username="complaint_lead")
    case = measure_services.complaint_case_assign(
        incident_id=incident.pk,
        user=org["gm"],
        data={"customer": "张女士", "description": "调查中仍投诉", "handler": handler.pk},
    )
    clock = Timer.objects.filter(payload__measure="complaint_case", payload__record=case.pk)
    assert set(clock.values_list("kind", flat=True)) == {TimerKind.COMPLAINT_CASE_DUE}
    assert clock.filter(fired_at=None, cancelled_at=None).count() == 3


@pytest.mark.django_db
def test_a_corrective_action_is_refused_before_the_investigation(org):
    incident = _activated(org)
    with pytest.raises(Conflict):
        report_services.corrective_action_add(
            incident_id=incident.pk,
            user=org["gm"],
            data={
                "kind": "corrective",
                "title": "补齐备件",
                "owner": Person.objects.get(user__username="agent").pk,
                "due_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
            },
        )


@pytest.mark.django_db
def test_a_transition_ends_the_checklist_clocks_and_keeps_a_complaints(org):
    incident = _activated(org)
    handler = Person.objects.get(user__username="complaint_lead")
    case = measure_services.complaint_case_assign(
        incident_id=incident.pk,
        user=org["gm"],
        data={"customer": "李先生", "description": "坐席无法接通", "handler": handler.pk},
    )
    pending = Timer.objects.filter(incident=incident, fired_at=None, cancelled_at=None)
    assert pending.filter(kind=TimerKind.MEASURE_OVERDUE).exists()
    for username, name in (
        ("sudden_lead", "execute"),
        ("sudden_lead", "request_termination"),
        ("gm", "approve_termination"),
        ("security_head", "approve_termination"),
    ):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=org[username], data=body_for(name)
        )
    assert Incident.objects.get(pk=incident.pk).state == State.TERMINATED
    ended = Timer.objects.filter(incident=incident, kind=TimerKind.MEASURE_OVERDUE)
    assert ended.exists() and not pending.filter(kind=TimerKind.MEASURE_OVERDUE).exists()
    assert "terminated" in ended.exclude(outcome="done").first().outcome
    assert pending.filter(kind=TimerKind.COMPLAINT_CASE_DUE, payload__record=case.pk).count() == 3


@pytest.mark.django_db
def test_the_migration_moves_pending_complaint_and_action_clocks_onto_their_kinds(org):
    incident = _activated(org)
    due = timezone.now() + timedelta(days=1)

    def row(measure: str, **extra) -> Timer:
        return Timer.objects.create(
            incident=incident,
            kind=TimerKind.MEASURE_OVERDUE,
            due_at=due,
            payload={"measure": measure, "record": 1, "step": 1},
            **extra,
        )

    complaint, plan, action, item = (
        row(m) for m in ("complaint_case", "dispute_plan", "corrective_action", "checklist_item")
    )
    fired = row("complaint_case", fired_at=timezone.now())
    complaint_side = ("complaint_case", "dispute_plan", "statement")
    measure_timers_rekind(apps, measures=complaint_side, kind="complaint_case_due")
    measure_timers_rekind(apps, measures=("corrective_action",), kind="corrective_action_overdue")
    rows = Timer.objects.filter(pk__in=[complaint.pk, plan.pk, action.pk, item.pk, fired.pk])
    kinds = {t.pk: t.kind for t in rows}
    assert kinds == {
        complaint.pk: TimerKind.COMPLAINT_CASE_DUE,
        plan.pk: TimerKind.COMPLAINT_CASE_DUE,
        action.pk: TimerKind.CORRECTIVE_ACTION_OVERDUE,
        item.pk: TimerKind.MEASURE_OVERDUE,  # a checklist item stays
        fired.pk: TimerKind.MEASURE_OVERDUE,  # history is not rewritten
    }
    measure_timers_rekind(apps, measures=("corrective_action",), kind="corrective_action_overdue", back=True)
    action.refresh_from_db()
    assert action.kind == TimerKind.MEASURE_OVERDUE
