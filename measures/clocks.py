"""The complaint clock (Art. 14-bis (7): close in 15 days, complex ones in 30, longer only on an approved
extension) as an escalation ``Timer``, fired by the one sweep: when the clock runs out, the incident's lead
group and the Leadership Group's deciders are told. Starting the clock writes the timer, an approved
extension moves it, and the states that keep it are in ``escalation.states.CLOCKS``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from escalation import services as escalation_services
from escalation.models import Timer, TimerKind
from incidents.models import Incident
from security.masking import NAME, mask_value

from .models import ComplaintCase, ComplaintClock

KIND = TimerKind.COMPLAINT_CLOCK_DUE


def complaint_clock_follow(*, incident: Incident, clock: ComplaintClock) -> None:
    """(Re)write the clock's timer at its current due time (called in the write's transaction)."""
    escalation_services.record_clock_start(
        incident=incident,
        kind=KIND,
        record_id=clock.pk,
        due_at=clock.due_at,
        payload={"days": clock.limit_days},
    )


def fire_complaint_clock_due(timer: Timer, incident: Any) -> str:
    clock = ComplaintClock.objects.filter(pk=timer.payload.get("record")).first()
    if clock is None:
        return "gone"
    lead = [f"group:{incident.lead_group.code}"] if incident.lead_group_id else []
    rows = escalation_services.notify(
        incident=incident,
        audience=[*lead, "leadership_deciders"],
        event="complaint_clock_due",
        context={"days": clock.limit_days, "due_at": clock.due_at.isoformat()},
        timer=timer,
    )
    return f"notified {len(rows)}"


# --- issue 13: each complaint of a mass complaint has its own clock from its registration ---------------
CASE_DUE = TimerKind.COMPLAINT_CASE_DUE
CASE_REMINDER = TimerKind.COMPLAINT_CASE_REMINDER
# the handler is reminded this long before the due time (decisions.md, issue 13)
REMINDER_BEFORE = timedelta(days=3)


def complaint_case_follow(*, incident: Incident, case: ComplaintCase) -> None:
    """(Re)write one complaint's reminder and due timers (registration, approved extension)."""
    payload = {
        "days": case.limit_days,
        "label": f"{TimerKind(CASE_DUE).label} · {mask_value(NAME, case.customer)}",
    }
    escalation_services.record_clock_start(
        incident=incident,
        kind=CASE_REMINDER,
        record_id=case.pk,
        due_at=case.due_at - REMINDER_BEFORE,
        payload=payload,
    )
    escalation_services.record_clock_start(
        incident=incident, kind=CASE_DUE, record_id=case.pk, due_at=case.due_at, payload=payload
    )


def complaint_case_stop(*, incident: Incident, case: ComplaintCase, reason: str) -> None:
    for kind in (CASE_REMINDER, CASE_DUE):
        escalation_services.record_clock_stop(incident=incident, kind=kind, record_id=case.pk, reason=reason)


def fire_complaint_case(timer: Timer, incident: Any) -> str:
    """Reminder: the handler. Due: the handler, the lead group and the Leadership Group's deciders."""
    case = ComplaintCase.objects.filter(pk=timer.payload.get("record"), is_open=True).first()
    if case is None:
        return "gone"
    reminder = timer.kind == CASE_REMINDER
    audience = [f"person:{case.handler_id}"]
    if not reminder:
        audience += [f"group:{incident.lead_group.code}"] if incident.lead_group_id else []
        audience.append("leadership_deciders")
    rows = escalation_services.notify(
        incident=incident,
        audience=audience,
        event="complaint_case_due",
        context={
            "reminder": reminder,
            "customer": mask_value(NAME, case.customer),
            "days": case.limit_days,
            "due_at": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M"),
        },
        timer=timer,
    )
    return f"notified {len(rows)}"
