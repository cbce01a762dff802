"""The complaint clock (Art. 14-bis (7): close in 15 days, complex ones in 30, longer only on an approved
extension) as an escalation ``Timer``, fired by the one sweep: when the clock runs out, the incident's lead
group and the Leadership Group's deciders are told. Starting the clock writes the timer, an approved
extension moves it, and the states that keep it are in ``escalation.states.CLOCKS``."""

from __future__ import annotations

from typing import Any

from escalation import services as escalation_services
from escalation.models import Timer, TimerKind
from incidents.models import Incident

from .models import ComplaintClock

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
