"""The overdue clock of every measure (issue 13): a checklist item, a dispute plan, a clarification
statement's waiting step, a complaint, a corrective action. Each has an owner (``owner`` — a person — or
``owner_role``, resolved from the organisation) and a due time (``due_at``); when it is not done by then, its
owner is reminded, then the lead group's lead, then the leader and deputy — each step once, as
``measure_overdue`` timer rows (the one clock, fired by the sweep), from the admin-edited policy
``measure_overdue`` snapshotted when the measure's clock starts. Completing the measure stops its clock.

A timer's payload says which kind of measure and which record (``measure``, ``record``). The app that owns a
kind registers it (``measure_kind_register``, in its ``ready()``): how to find the record while it is still
open, and the timer kind its clock is written with. Which states chase a timer kind is the state table's
alone (``escalation.states``): a transition cancels what the new state does not keep, and the sweep drops a
timer that fires in such a state. Checklist items are registered here (they live below)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from incidents.models import ChecklistItem, Incident
from incidents.policies import measure_owner_label as owner_label

from ..models import Timer, TimerKind
from .notifications import notify
from .policies import policy_snapshot
from .timers import _pending, timer_schedule

OWNER = "owner"  # the policy's audience key for the measure's owner, resolved when the clock starts
PARTY_ROLES = ("tech_support", "hq_general_office", "building_security", "legal")
CHECKLIST_ITEM = "checklist_item"
# The timer kinds of this one clock, one per group of measures, each placed by the state table: the plan's
# checklist; Art. 18's after-event checklist items; complaints, dispute plans and statements; corrective
# actions. Same policy, steps, payload and handler.
KINDS = (
    TimerKind.MEASURE_OVERDUE,
    TimerKind.AFTER_EVENT_OVERDUE,
    TimerKind.COMPLAINT_CASE_DUE,
    TimerKind.CORRECTIVE_ACTION_OVERDUE,
)


@dataclass(frozen=True)
class MeasureKind:
    """One kind of measure: ``find(record_id)`` returns the record while it still waits (None once done,
    withdrawn or gone); its clock's timers are of ``timer_kind`` (one of ``KINDS``), which the state table
    places."""

    code: str
    find: Callable[[int], Any]
    timer_kind: str


MEASURE_KINDS: dict[str, MeasureKind] = {}


def measure_kind_register(kind: MeasureKind) -> None:
    MEASURE_KINDS[kind.code] = kind


measure_kind_register(
    MeasureKind(
        code=CHECKLIST_ITEM,
        find=lambda pk: ChecklistItem.objects.open().select_related("owner").filter(pk=pk).first(),
        timer_kind=TimerKind.MEASURE_OVERDUE,
    )
)


def _owner_audience(measure: Any) -> list[str]:
    owner = getattr(measure, "owner", None)
    if owner is not None:
        return [f"person:{owner.pk}"]
    role = getattr(measure, "owner_role", "")
    if role in ("deputy", "leader"):
        return [role]
    if role in PARTY_ROLES:
        return [f"party:{role}"]
    return ["lead_group_lead"]


def measure_clock_start(
    *,
    incident: Incident,
    measure: str,
    record: Any,
    title: str,
    name: str = "",
    article: str = "",
    due_at: datetime | None = None,
    path: str = "",
    snapshot: dict[str, Any] | None = None,
    restart: bool = True,
    kind: str = "",
) -> list[Timer]:
    """(Re)start one measure's clock in the caller's transaction: its pending reminders are cancelled and
    one timer per policy step written, counted from its due time (``record.due_at`` unless given), of its
    measure kind's timer kind unless ``kind`` says otherwise (an after-event checklist item); ``path`` is the
    page where it is completed (the message links to it; the checklist by default).

    ``title`` is stored as written — a catalogue msgid (a seeded measure, a kind's name) or what a person
    typed — and translated when each recipient's message is rendered; ``name`` (a masked complainant…) is
    shown beside it untranslated. Never pass text already translated into the actor's language."""
    kind = kind or MEASURE_KINDS[measure].timer_kind
    if restart:
        measure_clock_stop(incident=incident, measure=measure, record_id=record.pk, reason="restarted")
    snapshot = snapshot or policy_snapshot(code="measure_overdue")
    if snapshot is None or not snapshot["steps"]:
        return []
    due = due_at or record.due_at
    owner = _owner_audience(record)
    timers = []
    for number, step in enumerate(snapshot["steps"], start=1):
        audience = [key for entry in step["audience"] for key in (owner if entry == OWNER else [entry])]
        timers.append(
            timer_schedule(
                incident=incident,
                kind=kind,
                due_at=due + timedelta(seconds=int(step.get("after_seconds") or 0)),
                payload={
                    "measure": measure,
                    "record": record.pk,
                    "step": number,
                    "audience": audience,
                    "event": step.get("event") or "measure_overdue",
                    "label": f"{title}{f' · {name}' if name else ''}（逾期提醒）",
                    "due": due.isoformat(),  # the measure's own due time: what the pages count down to
                    "context": {
                        "title": title,
                        "name": name,
                        "article": article,
                        "due_at": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
                        "path": path,
                    },
                    "policy": snapshot["code"],
                },
            )
        )
    return timers


def measure_clocks_start(
    *,
    incident: Incident,
    items: list[ChecklistItem] | None = None,
    kind: str = "",
) -> list[Timer]:
    """At activation (or for a new recurring item, or an after-event measure with ``kind``
    ``after_event_overdue``): every open checklist item's clock."""
    if items is None:
        items = list(ChecklistItem.objects.open().filter(incident=incident).select_related("owner"))
    snapshot = policy_snapshot(code="measure_overdue")  # once for all: the items are new, nothing to restart
    timers: list[Timer] = []
    for item in items:
        timers += measure_clock_start(
            incident=incident,
            measure=CHECKLIST_ITEM,
            record=item,
            title=item.title,
            article=item.article,
            snapshot=snapshot,
            restart=False,
            kind=kind,
        )
    return timers


def _of(measure: str, record_id: int) -> Any:
    return Timer.objects.filter(payload__measure=measure, payload__record=record_id)


def measure_clock_stop(*, incident: Any, measure: str, record_id: int, reason: str = "done") -> int:
    """The measure is done (or withdrawn, or moved on): its pending reminders are cancelled."""
    return (
        _of(measure, record_id)
        .filter(_pending(), incident=incident, kind__in=KINDS)
        .update(cancelled_at=timezone.now(), outcome=reason[:200])
    )


def measure_clock_due(*, incident: Any, measure: str, record_id: int) -> datetime | None:
    """When the measure's running clock counts from (its first pending step), or None if none runs."""
    first = (
        _of(measure, record_id)
        .filter(_pending(), incident=incident, kind__in=KINDS, payload__step=1)
        .values_list("due_at", flat=True)
        .first()
    )
    return first


def fire_measure_overdue(timer: Timer, incident: Incident) -> str:
    """Remind (or escalate) unless the measure was done meanwhile (the sweep has checked that the state
    table still keeps the timer's kind in the incident's state)."""
    payload = timer.payload
    code = payload.get("measure", "")
    record_id = int(payload.get("record", 0))
    kind = MEASURE_KINDS.get(code)
    measure = kind.find(record_id) if kind is not None else None
    if measure is None:
        measure_clock_stop(incident=incident, measure=code, record_id=record_id, reason="done")
        return "done"
    rows = notify(
        incident=incident,
        audience=payload["audience"],
        event=payload.get("event") or "measure_overdue",
        context={**payload.get("context", {}), "step": payload.get("step", 1), "owner": owner_label(measure)},
        timer=timer,
    )
    return f"step {payload.get('step')}: notified {len(rows)}"
