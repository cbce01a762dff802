"""For data migrations only: write a measure's ``measure_overdue`` steps with historical models (the live
service, ``services.measure_clock_start``, needs the live models). The policy as it stands (the admin's row,
else the built-in default), ``owner`` replaced by the record's owner's audience keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from .defaults import DEFAULT_POLICIES


def measure_steps_write(
    apps: Any, *, incident_id: int, measure: str, record_id: int, owner: list[str], due: datetime, title: str
) -> int:
    Policy = apps.get_model("escalation", "EscalationPolicy")
    Timer = apps.get_model("escalation", "Timer")
    row = Policy.objects.filter(code="measure_overdue").first()
    if row is not None and not row.is_active:
        return 0
    steps = row.steps if row is not None else DEFAULT_POLICIES["measure_overdue"]["steps"]
    for number, step in enumerate(steps, start=1):
        audience = [key for entry in step["audience"] for key in (owner if entry == "owner" else [entry])]
        Timer.objects.create(
            incident_id=incident_id,
            kind="measure_overdue",
            due_at=due + timedelta(seconds=int(step.get("after_seconds") or 0)),
            payload={
                "measure": measure,
                "record": record_id,
                "step": number,
                "audience": audience,
                "event": step.get("event") or "measure_overdue",
                "label": f"{title}（逾期提醒）",
                "context": {"title": title, "due_at": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")},
                "policy": "measure_overdue",
            },
        )
    return len(steps)


def measure_timers_rekind(apps: Any, *, measures: tuple[str, ...], kind: str, back: bool = False) -> int:
    """Move the pending ``measure_overdue`` timers of these kinds of measure (``payload.measure``) onto the
    timer kind the state table places them by (issue 13 follow-up); ``back`` undoes it."""
    Timer = apps.get_model("escalation", "Timer")
    source, target = (kind, "measure_overdue") if back else ("measure_overdue", kind)
    return Timer.objects.filter(
        kind=source, payload__measure__in=measures, fired_at__isnull=True, cancelled_at__isnull=True
    ).update(kind=target)
