"""Every kind of measure has an owner, a due time and evidence when done (issue 13): a checklist item, a
dispute plan, a clarification statement's waiting step (vetting, then publication), a complaint and a
corrective action. For each: a non-owner is refused with a reason naming the owner; overdue, the one
measure clock reminds the owner, then the lead group's lead, then the leader and deputy — each once;
completing it stops the clock. Deterministic steps first, then a real Celery worker and its beat."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, Forbidden
from escalation import services as escalation_services
from escalation.models import EscalationPolicy, Notification, Timer, TimerKind
from incidents import services as incident_services
from incidents.models import ChecklistItem, Incident, State
from measures import services
from reports import services as report_services
from teams.models import Person
from tests.escalation.helpers import wait_until
from tests.reports.builders import run_to_investigation

from .test_handoffs import _activated

DECIDERS = ["gm", "supervisor"]


def _member_with_login(org: dict, name: str = "秦九") -> Any:
    """A complaint-group member who signs in (the demo's members have no login): owner, not lead, not LG."""
    person = Person.objects.get(name=name)
    if person.user_id is None:
        person.user = get_user_model().objects.create_user(username="a09", password="x")
        person.save(update_fields=["user"])
    org["a09"] = person.user
    return person


@dataclass
class Kind:
    """How one kind of measure is made, who owns it, and how it is completed."""

    measure: str
    make: Callable[[dict], tuple[Any, Any]]  # → (incident, record)
    owner: str  # the username told at step 1 and allowed to complete
    owner_name: str  # what the refusal names
    lead: str  # the lead group's lead, told at step 2
    outsider: str  # may act on the incident, but is no owner
    complete: Callable[[dict, Any, str], Any]


def _complaint_case(org):
    incident = _activated(org)
    handler = _member_with_login(org)
    case = services.complaint_case_assign(
        incident_id=incident.pk,
        user=org["complaint_lead"],
        data={"customer": "张女士", "description": "重复扣费", "handler": handler.pk},
    )
    return incident, case


def _dispute_plan(org):
    incident = _activated(org)
    owner = _member_with_login(org)
    plan = services.dispute_plan_propose(
        incident_id=incident.pk,
        user=org["complaint_lead"],
        data={
            "text": "退还手续费并上门致歉",
            "owner": owner.pk,
            "due_at": (timezone.now() + timedelta(days=2)).isoformat(),
        },
    )
    with pytest.raises(Conflict, match="批准后"):  # not carried out before the Leadership Group approves
        services.dispute_plan_complete(plan_id=plan.pk, user=org["a09"], data={"evidence": "已退还"})
    services.dispute_plan_decide(plan_id=plan.pk, user=org["gm"], data={"decision": "approve"})
    return incident, plan


def _statement_to_vet(org):
    incident = _activated(org)
    statement = services.statement_draft(
        incident_id=incident.pk, user=org["complaint_lead"], data={"text": "关于不实报道的澄清"}
    )
    return incident, statement


def _statement_to_publish(org):
    incident = _activated(org)
    statement = services.statement_draft(
        incident_id=incident.pk, user=org["sudden_lead"], data={"text": "关于不实报道的澄清"}
    )
    services.statement_vet(statement_id=statement.pk, user=org["hq_office"], data={"decision": "approve"})
    return incident, statement


def _corrective_action(org):
    incident = run_to_investigation(org, warned_in_advance=False)
    action = report_services.corrective_action_add(
        incident_id=incident.pk,
        user=org["gm"],
        data={
            "kind": "corrective",
            "title": "补齐备件",
            "owner": Person.objects.get(user__username="agent").pk,
            "due_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
        },
    )
    return incident, action


def _checklist_item(org):
    incident = _activated(org, "disaster")
    return incident, ChecklistItem.objects.get(incident=incident, code="closed_management")


KINDS = {
    "complaint_case": Kind(
        "complaint_case",
        _complaint_case,
        "a09",
        "秦九",
        "complaint_lead",
        "agent",
        lambda org, case, who: services.complaint_case_close(
            case_id=case.pk, user=org[who], data={"outcome": "已退款"}
        ),
    ),
    "dispute_plan": Kind(
        "dispute_plan",
        _dispute_plan,
        "a09",
        "秦九",
        "complaint_lead",
        "agent",
        lambda org, plan, who: services.dispute_plan_complete(
            plan_id=plan.pk, user=org[who], data={"evidence": "已退还手续费，客户签收"}
        ),
    ),
    "statement_vet": Kind(
        "statement",
        _statement_to_vet,
        "hq_office",
        "总行办公室",
        "complaint_lead",
        "gm",  # the Leadership Group does not vet in the head office's stead
        lambda org, st, who: services.statement_vet(
            statement_id=st.pk, user=org[who], data={"decision": "approve"}
        ),
    ),
    "statement_publish": Kind(
        "statement",
        _statement_to_publish,
        "sudden_lead",  # the author publishes
        "孙突发",
        "complaint_lead",
        "hq_office",
        lambda org, st, who: services.statement_publish(
            statement_id=st.pk, user=org[who], data={"channel": "本行官网"}
        ),
    ),
    "corrective_action": Kind(
        "corrective_action",
        _corrective_action,
        "agent",
        "周坐席",
        "phone_lead",
        "security_head",
        lambda org, action, who: report_services.corrective_action_update(
            action_id=action.pk, user=org[who], data={"status": "done", "closure_evidence": "备件已入库"}
        ),
    ),
    "checklist_item": Kind(
        "checklist_item",
        _checklist_item,
        "security_head",
        "吴保卫",
        "sudden_lead",
        "agent",
        lambda org, item, who: incident_services.checklist_item_complete(
            item_id=item.pk, user=org[who], data={"evidence": "已封闭管理"}
        ),
    ),
}


# each group of measures has its timer kind, which the state table places (``escalation.states``)
TIMER_KINDS = {
    "checklist_item": TimerKind.MEASURE_OVERDUE,
    "complaint_case": TimerKind.COMPLAINT_CASE_DUE,
    "dispute_plan": TimerKind.COMPLAINT_CASE_DUE,
    "statement": TimerKind.COMPLAINT_CASE_DUE,
    "corrective_action": TimerKind.CORRECTIVE_ACTION_OVERDUE,
}


def _clock(kind: Kind, record) -> Any:
    return Timer.objects.filter(
        kind=TIMER_KINDS[kind.measure], payload__measure=kind.measure, payload__record=record.pk
    )


def _told(kind: Kind, record) -> list[tuple[int, str]]:
    rows = Notification.objects.filter(
        event="measure_overdue",
        channel="inbox",
        timer__payload__measure=kind.measure,
        timer__payload__record=record.pk,
    )
    return sorted(rows.values_list("timer__payload__step", "recipient__username"))


def _expected(kind: Kind) -> list[tuple[int, str]]:
    return sorted([(1, kind.owner), (2, kind.lead), *((3, who) for who in DECIDERS)])


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(KINDS))
def test_a_non_owner_is_refused_with_a_reason_naming_the_owner(org, name):
    kind = KINDS[name]
    incident, record = kind.make(org)
    with pytest.raises(Forbidden, match=kind.owner_name):
        kind.complete(org, record, kind.outsider)
    assert _clock(kind, record).filter(fired_at=None, cancelled_at=None).count() == 3  # still running
    kind.complete(org, record, kind.owner)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(KINDS))
def test_overdue_reminds_the_owner_then_the_lead_then_the_deciders_each_once_and_completion_stops_it(
    org, name
):
    kind = KINDS[name]
    incident, record = kind.make(org)
    steps = list(_clock(kind, record).filter(fired_at=None, cancelled_at=None).order_by("due_at"))
    assert [t.payload["step"] for t in steps] == [1, 2, 3]
    assert steps[1].due_at - steps[0].due_at == timedelta(minutes=15)  # the policy's steps
    for timer in steps[:2]:
        Timer.objects.filter(pk=timer.pk).update(due_at=timezone.now() - timedelta(seconds=1))
        escalation_services.timers_sweep()
        escalation_services.timers_sweep()  # safe to sweep twice: each step once
    assert _told(kind, record) == [(1, kind.owner), (2, kind.lead)]
    kind.complete(org, record, kind.owner)
    Timer.objects.filter(pk=steps[2].pk).update(due_at=timezone.now() - timedelta(seconds=1))
    escalation_services.timers_sweep()
    assert _told(kind, record) == [(1, kind.owner), (2, kind.lead)]  # completion stopped the third step
    left = Timer.objects.filter(pk__in=[t.pk for t in steps], fired_at=None, cancelled_at=None)
    assert not left.exists()
    # a statement moves on to its next waiting step (publication), with a clock of its own
    assert _clock(kind, record).filter(fired_at=None, cancelled_at=None).count() == (
        3 if name == "statement_vet" else 0
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["complaint_case", "dispute_plan", "statement_vet", "corrective_action"])
def test_the_last_step_reaches_the_leader_and_deputy_once(org, name):
    kind = KINDS[name]
    incident, record = kind.make(org)
    Timer.objects.filter(pk__in=_clock(kind, record).values("pk")).update(
        due_at=timezone.now() - timedelta(seconds=1)
    )
    escalation_services.timers_sweep()
    escalation_services.timers_sweep()
    assert _told(kind, record) == _expected(kind)


@pytest.mark.django_db
def test_a_rejected_dispute_plan_or_a_returned_statement_stops_its_clock(org):
    incident = _activated(org)
    plan = services.dispute_plan_propose(
        incident_id=incident.pk, user=org["complaint_lead"], data={"text": "方案"}
    )
    assert plan.owner_role == "lead_group_lead" and plan.due_at == plan.recorded_at + timedelta(days=3)
    services.dispute_plan_decide(
        plan_id=plan.pk, user=org["gm"], data={"decision": "reject", "comment": "赔付过高"}
    )
    assert set(_clock(KINDS["dispute_plan"], plan).values_list("outcome", flat=True)) == {"rejected"}
    statement = services.statement_draft(
        incident_id=incident.pk, user=org["complaint_lead"], data={"text": "澄清"}
    )
    services.statement_vet(
        statement_id=statement.pk, user=org["hq_office"], data={"decision": "return", "comment": "补充事实"}
    )
    assert set(_clock(KINDS["statement_vet"], statement).values_list("outcome", flat=True)) == {"returned"}


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_with_a_real_worker_every_kind_escalates_once_per_step_and_a_completed_one_stays_silent(
    org, celery_worker_process
):
    EscalationPolicy.objects.update_or_create(
        code="measure_overdue",
        defaults={
            "name": "逾期",
            "steps": [
                {"after_seconds": 0, "audience": ["owner"], "event": "measure_overdue"},
                {"after_seconds": 1, "audience": ["lead_group_lead"], "event": "measure_overdue"},
                {"after_seconds": 2, "audience": ["leadership_deciders"], "event": "measure_overdue"},
            ],
        },
    )
    made = {}
    for name in ("complaint_case", "dispute_plan", "statement_vet", "corrective_action"):
        kind = KINDS[name]
        made[name] = kind.make(org)
    soon = timezone.now() + timedelta(seconds=4)
    with transaction.atomic():  # every clock due in a few seconds (the real due times are days away)
        for name, (incident, record) in made.items():
            kind = KINDS[name]
            escalation_services.measure_clock_start(
                incident=incident, measure=kind.measure, record=record, title=name, due_at=soon
            )
    done_kind = KINDS["dispute_plan"]
    done_kind.complete(org, made["dispute_plan"][1], done_kind.owner)  # completed before it is due
    celery_worker_process.start()
    waiting = [name for name in made if name != "dispute_plan"]
    assert wait_until(
        lambda: all(_told(KINDS[n], made[n][1]) == _expected(KINDS[n]) for n in waiting), timeout=60
    ), {n: _told(KINDS[n], made[n][1]) for n in waiting}
    time.sleep(3)  # several more sweeps: nobody is told twice
    for name in waiting:
        assert _told(KINDS[name], made[name][1]) == _expected(KINDS[name])
    assert _told(done_kind, made["dispute_plan"][1]) == []


@pytest.mark.django_db
def test_the_page_offers_completion_to_the_owner_only_and_refuses_others_naming_the_owner(org, client):
    from django.urls import reverse

    from measures.models import ComplaintCase, DisputePlan

    incident, case = _complaint_case(org)
    _, plan = _dispute_plan(org)
    page_url = reverse("measures:complaint", args=[incident.pk])
    close_url = reverse("measures:case_act", args=[incident.pk, case.pk, "close"])
    client.force_login(org["agent"])
    assert close_url not in client.get(page_url).content.decode()
    refused = client.post(close_url, {"outcome": "已退款"}, follow=True).content.decode()
    assert "只有责任人（秦九）" in refused
    assert ComplaintCase.objects.get(pk=case.pk).is_open
    done_url = reverse("measures:dispute_done", args=[plan.incident_id, plan.pk])
    refused = client.post(done_url, {"evidence": "x"}, follow=True).content.decode()
    assert "只有责任人（秦九）" in refused and DisputePlan.objects.get(pk=plan.pk).done_at is None
    client.force_login(org["a09"])
    page = client.get(page_url).content.decode()
    assert close_url in page and "秦九" in page  # the owner is shown beside the measure
    client.post(close_url, {"outcome": "已退款"})
    assert not ComplaintCase.objects.get(pk=case.pk).is_open
    client.post(done_url, {"evidence": "已退还手续费"})
    assert DisputePlan.objects.get(pk=plan.pk).evidence == "已退还手续费"


@pytest.mark.django_db
def test_each_kind_is_chased_in_its_own_states(org):
    """Each group of measures its timer kind, placed by the state table: the checklist's clocks end at the
    termination, a complaint's and a corrective action's run on while the case is investigated."""
    incident = run_to_investigation(org, warned_in_advance=False)
    pending = Timer.objects.filter(
        incident=incident, kind__in=set(TIMER_KINDS.values()), fired_at=None, cancelled_at=None
    )
    checklist = Timer.objects.filter(
        incident=incident, kind=TimerKind.MEASURE_OVERDUE, payload__measure="checklist_item"
    )
    assert checklist.exists() and not checklist.filter(fired_at=None, cancelled_at=None).exists()
    assert (
        "terminated" in checklist.filter(cancelled_at__isnull=False).exclude(outcome="done").first().outcome
    )
    handler = Person.objects.get(user__username="complaint_lead")
    services.complaint_case_assign(
        incident_id=incident.pk,
        user=org["gm"],
        data={"customer": "张女士", "description": "终止后仍投诉", "handler": handler.pk},
    )
    report_services.corrective_action_add(
        incident_id=incident.pk,
        user=org["gm"],
        data={
            "kind": "corrective",
            "title": "补齐备件",
            "owner": handler.pk,
            "due_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
        },
    )
    assert sorted(set(pending.values_list("payload__measure", "kind"))) == [
        ("complaint_case", TimerKind.COMPLAINT_CASE_DUE),
        ("corrective_action", TimerKind.CORRECTIVE_ACTION_OVERDUE),
    ]
    assert pending.count() == 6
    # a complaint's clock that fires after the investigation is over is dropped by the state table
    timer = pending.filter(payload__measure="complaint_case").order_by("due_at").first()
    Incident.objects.filter(pk=incident.pk).update(state=State.CLOSED)  # as the close would leave it
    Timer.objects.filter(pk=timer.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    escalation_services.timers_sweep()
    timer.refresh_from_db()
    assert timer.fired_at is None and timer.cancelled_at is not None and "closed" in timer.outcome
    assert not Notification.objects.filter(timer=timer).exists()
