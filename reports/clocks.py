"""The corrective-action clock (Art. 19 防范控制措施): an escalation ``Timer`` per open action, due when the
action becomes overdue (the start of the day after its due date, Asia/Shanghai), fired by the one sweep.
Firing reminds the owner and writes the next reminder ``ACTION_REMINDER_HOURS`` later while the action is
still not done; completing the action stops its clock, and closing the case cancels it (``states.CLOCKS``).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from escalation import services as escalation_services
from escalation.models import Timer, TimerKind
from incidents.models import Incident

from .models import CorrectiveAction

KIND = TimerKind.CORRECTIVE_ACTION_OVERDUE


def remind_every() -> timedelta:
    return timedelta(hours=settings.ACTION_REMINDER_HOURS)


def overdue_from(action: CorrectiveAction) -> datetime:
    """When the action becomes overdue: the first moment after its due date, local time."""
    day_after = action.due_date + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day_after, time.min), timezone.get_current_timezone())


def action_clock_follow(*, incident: Incident, action: CorrectiveAction) -> None:
    """Start, keep or stop the action's clock to match it (called in the write's transaction)."""
    if action.status == CorrectiveAction.Status.DONE:
        escalation_services.record_clock_stop(
            incident=incident, kind=KIND, record_id=action.pk, reason="done"
        )
        return
    pending = Timer.objects.filter(
        incident=incident, kind=KIND, payload__record=action.pk, fired_at=None, cancelled_at=None
    ).exists()
    if not pending:
        escalation_services.record_clock_start(
            incident=incident, kind=KIND, record_id=action.pk, due_at=overdue_from(action)
        )


def fire_action_overdue(timer: Timer, incident: Any) -> str:
    """Remind the owner of an overdue action (their inbox, or the Leadership Group's deciders when the
    owner has no login), then write the next reminder. A done action reminds nobody."""
    action = CorrectiveAction.objects.select_related("owner").filter(pk=timer.payload.get("record")).first()
    if action is None or action.status == CorrectiveAction.Status.DONE:
        return "done"
    now = timezone.now()
    audience = [f"user:{action.owner.user_id}"] if action.owner.user_id else ["leadership_deciders"]
    rows = escalation_services.notify(
        incident=incident,
        audience=audience,
        event="action_overdue",
        context={
            "action": action.pk,
            "title": action.title,
            "owner": action.owner.name,
            "due_date": action.due_date.isoformat(),
            "days_overdue": (timezone.localdate(now) - action.due_date).days,
        },
        timer=timer,
    )
    escalation_services.timer_schedule(
        incident=incident, kind=KIND, due_at=now + remind_every(), payload={"record": action.pk}
    )
    return f"reminded {len(rows)}"
