"""Art. 18's after-event work with a real worker (issue 13): recorded after the termination, an overdue one
reminds its owner, then the lead group's lead, then the leader and deputy, each once — in a state where the
plan's own measures are no longer chased — and one completed in time stays silent."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import EscalationPolicy, Notification, Timer, TimerKind
from incidents import services as incident_services
from incidents.models import ChecklistItem, Incident, State
from measures import services as measure_services
from teams.models import Person
from tests.incidents.lifecycle import body_for

from .helpers import wait_until


def _terminated(org) -> Incident:
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={"title": "办公楼层火情", "category": "disaster", "detected_at": timezone.now()},
    )
    for username, name in (
        ("agent", "report"),
        ("gm", "activate"),
        ("sudden_lead", "execute"),
        ("sudden_lead", "request_termination"),
        ("gm", "approve_termination"),
        ("security_head", "approve_termination"),
    ):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=org[username], data=body_for(name)
        )
    return Incident.objects.get(pk=incident.pk)


def _record(org, incident: Incident, measure: str, due_in_seconds: float) -> ChecklistItem:
    return measure_services.after_event_record(
        incident_id=incident.pk,
        user=org["sudden_lead"],
        data={
            "measure": measure,
            "owner": Person.objects.get(user__username="agent").pk,
            "due_at": (timezone.now() + timedelta(seconds=due_in_seconds)).isoformat(),
        },
    )


def _told(item: ChecklistItem) -> list[str]:
    return list(
        Notification.objects.filter(
            event="measure_overdue",
            channel="inbox",
            timer__payload__measure="checklist_item",
            timer__payload__record=item.pk,
        )
        .order_by("id")
        .values_list("recipient__username", flat=True)
    )


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_with_a_real_worker_overdue_after_event_work_escalates_once_after_termination(
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
    incident = _terminated(org)
    assert incident.state == State.TERMINATED
    overdue = _record(org, incident, "restore_order", 3)
    done = _record(org, incident, "positive_publicity", 3)
    measure_services.after_event_complete(item_id=done.pk, user=org["agent"], data={"evidence": "已发布"})
    celery_worker_process.start()
    assert wait_until(lambda: {"gm", "supervisor"} <= set(_told(overdue)), timeout=40)
    time.sleep(3)
    told = _told(overdue)
    assert told[0] == "agent" and "sudden_lead" in told and len(told) == len(set(told)) == 4
    assert _told(done) == []
    assert not Timer.objects.filter(
        kind=TimerKind.AFTER_EVENT_OVERDUE, fired_at__isnull=True, cancelled_at__isnull=True
    ).exists()
