"""Every measure has an owner and a due time (issue 13): only the owner, the lead group's lead or the
Leadership Group completes it; overdue, it reminds its owner, then the lead, then the leader and deputy —
each step once; completing it stops the clock. Deterministic steps here; a real worker at the end."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core.errors import Forbidden
from escalation import services
from escalation.models import EscalationPolicy, Notification, Timer, TimerKind
from incidents import services as incident_services
from incidents.models import ChecklistItem, Incident
from tests.incidents.lifecycle import body_for

from .helpers import wait_until

pytestmark = pytest.mark.django_db


def _activated(org, category: str = "disaster") -> Incident:
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={
            "title": "办公楼停电",
            "category": category,
            "detected_at": timezone.now() - timedelta(minutes=2),
        },
    )
    for username, name in (("agent", "report"), ("gm", "activate")):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=org[username], data=body_for(name)
        )
    return Incident.objects.get(pk=incident.pk)


def _clock(item: ChecklistItem):
    return Timer.objects.filter(
        kind=TimerKind.MEASURE_OVERDUE, payload__measure="checklist_item", payload__record=item.pk
    ).order_by("due_at")


def _told(item: ChecklistItem) -> list[str]:
    return list(
        Notification.objects.filter(
            event="measure_overdue",
            channel="inbox",
            timer__payload__record=item.pk,
            timer__payload__measure="checklist_item",
        )
        .order_by("id")
        .values_list("recipient__username", flat=True)
    )


def test_only_the_owner_the_lead_or_the_leadership_group_completes_a_measure(org):
    incident = _activated(org)
    roll_call = ChecklistItem.objects.get(
        incident=incident, code="evacuation_roll_call"
    )  # owner: building security
    hotline = ChecklistItem.objects.get(
        incident=incident, code="keep_hotline"
    )  # owner: the sudden group's lead
    with pytest.raises(Forbidden, match="孙突发"):  # an agent of another group
        incident_services.checklist_item_complete(
            item_id=hotline.pk, user=org["agent"], data={"evidence": "x"}
        )
    with pytest.raises(Forbidden):  # building security is not the hotline's owner
        incident_services.checklist_item_complete(
            item_id=hotline.pk, user=org["security_head"], data={"evidence": "x"}
        )
    incident_services.checklist_item_complete(
        item_id=roll_call.pk, user=org["security_head"], data={"evidence": "已会同物业点名"}
    )
    incident_services.checklist_item_complete(
        item_id=hotline.pk, user=org["gm"], data={"evidence": "热线正常"}
    )
    assert ChecklistItem.objects.filter(pk__in=[roll_call.pk, hotline.pk], done_at__isnull=False).count() == 2


def test_overdue_reminds_the_owner_then_the_lead_then_the_leaders_each_once(org):
    incident = _activated(org)
    item = ChecklistItem.objects.get(incident=incident, code="closed_management")  # owner: building security
    clock = list(_clock(item))
    assert [t.payload["step"] for t in clock] == [1, 2, 3]
    assert clock[0].due_at == item.due_at and clock[1].due_at == item.due_at + timedelta(minutes=15)
    for timer in clock:
        Timer.objects.filter(pk=timer.pk).update(due_at=timezone.now() - timedelta(seconds=1))
        assert services.timer_fire(timer_id=timer.pk) == "fired"
        assert services.timer_fire(timer_id=timer.pk) == "done"  # never twice
    told = _told(item)
    assert told[0] == "security_head"  # the owner first
    assert "sudden_lead" in told and {"gm", "supervisor"} <= set(told)
    assert len(told) == len(set(told)) == 4


def test_completing_a_measure_stops_its_clock(org):
    incident = _activated(org)
    item = ChecklistItem.objects.get(incident=incident, code="keep_hotline")
    first = _clock(item).first()
    Timer.objects.filter(pk=first.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    services.timer_fire(timer_id=first.pk)
    assert _told(item) == ["sudden_lead"]
    incident_services.checklist_item_complete(
        item_id=item.pk, user=org["sudden_lead"], data={"evidence": "正常"}
    )
    assert not _clock(item).filter(fired_at__isnull=True, cancelled_at__isnull=True).exists()
    assert set(_clock(item).exclude(pk=first.pk).values_list("outcome", flat=True)) == {"done"}


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_with_a_real_worker_an_overdue_measure_escalates_once_and_a_done_one_stays_silent(
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
    incident = _activated(org)
    with transaction.atomic():
        soon = timezone.now() + timedelta(seconds=2)
        ChecklistItem.objects.filter(incident=incident).update(due_at=soon)
        Timer.objects.filter(incident=incident, kind=TimerKind.MEASURE_OVERDUE).delete()
        services.measure_clocks_start(incident=incident)
    done = ChecklistItem.objects.get(incident=incident, code="keep_hotline")
    incident_services.checklist_item_complete(
        item_id=done.pk, user=org["sudden_lead"], data={"evidence": "正常"}
    )
    overdue = ChecklistItem.objects.get(incident=incident, code="closed_management")
    celery_worker_process.start()
    assert wait_until(lambda: {"gm", "supervisor"} <= set(_told(overdue)), timeout=40)
    time.sleep(3)
    told = _told(overdue)
    assert told[0] == "security_head" and len(told) == len(set(told)) == 4
    assert _told(done) == []
