"""Overdue measures (issue 13): every checklist item of an activated plan has an owner and a due time; when
it is not done by then, its owner is reminded, then the lead group's lead, then the leader and deputy —
each step once, as ``measure_overdue`` timer rows (the one clock, fired by the sweep), from the admin-edited
policy ``measure_overdue`` snapshotted at the activation. Completing the item stops its clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from incidents.models import ChecklistItem, Incident

from ..models import Timer, TimerKind
from .notifications import notify
from .policies import policy_snapshot
from .timers import _pending, timer_schedule

OWNER = "owner"  # the policy's audience key for the item's owner, resolved when the clock starts
PARTY_ROLES = ("tech_support", "hq_general_office", "building_security", "legal")
# The plan's measures run on ``measure_overdue`` (activation → termination); Art. 18's after-event work
# on ``after_event_overdue`` (termination → close, ``states.AFTER_EVENT``). Same policy, same steps.
KINDS = (TimerKind.MEASURE_OVERDUE, TimerKind.AFTER_EVENT_OVERDUE)


def _owner_audience(item: ChecklistItem) -> list[str]:
    if item.owner_id is not None:
        return [f"person:{item.owner_id}"]
    if item.owner_role in ("deputy", "leader"):
        return [item.owner_role]
    if item.owner_role in PARTY_ROLES:
        return [f"party:{item.owner_role}"]
    return ["lead_group_lead"]


def measure_clocks_start(
    *,
    incident: Incident,
    items: list[ChecklistItem] | None = None,
    kind: str = TimerKind.MEASURE_OVERDUE,
) -> list[Timer]:
    """At activation (or for a new recurring item, or an after-event measure with ``kind``
    ``after_event_overdue``): one timer per item and policy step, counted from the item's due time, in the
    caller's transaction."""
    snapshot = policy_snapshot(code="measure_overdue")
    if snapshot is None or not snapshot["steps"]:
        return []
    if items is None:
        items = list(ChecklistItem.objects.filter(incident=incident, done_at__isnull=True))
    timers = []
    for item in items:
        for number, step in enumerate(snapshot["steps"], start=1):
            audience = [
                key
                for entry in step["audience"]
                for key in (_owner_audience(item) if entry == OWNER else [entry])
            ]
            timers.append(
                timer_schedule(
                    incident=incident,
                    kind=kind,
                    due_at=item.due_at + timedelta(seconds=int(step.get("after_seconds") or 0)),
                    payload={
                        "item": item.pk,
                        "step": number,
                        "audience": audience,
                        "event": step.get("event") or "measure_overdue",
                        "label": f"{item.title}（逾期提醒）",
                        "context": {
                            "title": item.title,
                            "article": item.article,
                            "due_at": timezone.localtime(item.due_at).strftime("%Y-%m-%d %H:%M"),
                        },
                        "policy": snapshot["code"],
                    },
                )
            )
    return timers


def measure_clock_stop(*, incident: Any, item_id: int) -> int:
    """The item is done: its pending reminders are cancelled (the clock stops)."""
    return Timer.objects.filter(_pending(), incident=incident, kind__in=KINDS, payload__item=item_id).update(
        cancelled_at=timezone.now(), outcome="done"
    )


def fire_measure_overdue(timer: Timer, incident: Incident) -> str:
    """Remind (or escalate) unless the item was done meanwhile."""
    item = ChecklistItem.objects.filter(pk=timer.payload.get("item")).first()
    if item is None or item.done_at is not None:
        measure_clock_stop(incident=incident, item_id=timer.payload.get("item", 0))
        return "done"
    payload = timer.payload
    rows = notify(
        incident=incident,
        audience=payload["audience"],
        event=payload.get("event") or "measure_overdue",
        context={
            **payload.get("context", {}),
            "step": payload.get("step", 1),
            "owner": str(item.owner or item.get_owner_role_display()),
        },
        timer=timer,
    )
    return f"step {payload.get('step')}: notified {len(rows)}"
