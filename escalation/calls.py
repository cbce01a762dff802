"""The desk calls people: a decision that waits for someone reaches them at once (issue 12).

Reminders (``decision_pending``, ``approvals_missing`` …) are timers that fire 15–30 minutes later; these
calls go out in the transaction of the change that made someone's decision due, through the one
notification service (``services.notify``: the inbox row is written with the change, e-mail, SMS and
robots are queued on commit). One table says who is called when:

- ``report`` → the leader and deputy who may decide whether to activate (Art. 8–9) — ``policies.may_decide``,
  so never the reporter (four-eyes); the rest of the Leadership Group is told of the report, asked nothing;
- ``request_termination`` → each approver the plan requires whose approval is still missing (Art. 15–17:
  the Leadership Group, building security for sudden events, head-office general office for complaints) —
  ``policies.may_approve_termination``, so never the requester;
A decision call goes only to whom the action's own policy lets take it (``audience``): one rule decides both.
- ``investigate`` → the investigators named in the decision (Art. 19);
- a dispute plan proposed → the Leadership Group's leader and deputy, who approve it (Art. 14-bis 2);
- a person marked 失联 in the evacuation roll call → the Leadership Group, building security (its head) and
  the on-scene commander, at once, once while the person stays missing; found → the same people; the roll
  call closed with anyone still missing → the same people, with the names and the reason (Art. 14 (3)).
"""

from __future__ import annotations

from typing import Any

from incidents.policies import SYSTEM_USER

from .models import Notification
from .services import notify

# transition → (message event, audience keys)
CALLS: dict[str, tuple[str, list[str]]] = {
    "report": ("decision_waiting", ["activation_deciders"]),
    "request_termination": ("termination_approval_waiting", ["missing_approvers"]),
    "investigate": ("investigation_assigned", ["investigators"]),
}
DISPUTE_PLAN_CALL = ("dispute_plan_waiting", ["leadership_deciders"])
# Who hears of a person 失联 in the roll call, of their being found, and of a close with anyone missing.
MISSING_AUDIENCE = ["leadership", "party:building_security", "on_scene_commander"]


def call_after_transition(*, incident: Any, name: str, user: Any) -> list[Notification]:
    """Call whoever the transition ``name`` has just made responsible for the next decision."""
    if name not in CALLS:
        return []
    if name == "report" and user is SYSTEM_USER:
        # The outage clock's own report (Art. 2) tells the Leadership Group with its ``outage_reported``
        # message in the same firing; a second message to the same people would say the same thing.
        return []
    event, audience = CALLS[name]
    rows = notify(incident=incident, audience=audience, event=event, context={"by": _name_of(user)})
    if name == "report":
        rows += notify(
            incident=incident,
            audience=["leadership_informed"],
            event="incident_reported",
            context={"by": _name_of(user), "deciders": sorted({r.recipient_name for r in rows})},
        )
    return rows


def call_measure_owners(*, incident: Any) -> list[Notification]:
    """At activation, once the checklist items have owners: each owner is told once of their measures and
    due times (one message per owner listing their items) — not first by the overdue reminder."""
    from django.utils import timezone

    from incidents.models import ChecklistItem

    from .services.measure_clocks import _owner_audience

    owners: dict[tuple[str, ...], list[dict[str, str]]] = {}
    items = ChecklistItem.objects.open().filter(incident=incident).select_related("owner")
    for item in items.order_by("due_at", "id"):
        owners.setdefault(tuple(_owner_audience(item)), []).append(
            {
                "title": item.title,
                "article": item.article,
                "due_at": timezone.localtime(item.due_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
    rows: list[Notification] = []
    for audience, listed in owners.items():
        rows += notify(
            incident=incident,
            audience=list(audience),
            event="measures_assigned",
            context={"items": listed, "count": len(listed)},
        )
    return rows


def call_dispute_plan(*, incident: Any, plan: Any, user: Any) -> list[Notification]:
    event, audience = DISPUTE_PLAN_CALL
    return notify(
        incident=incident,
        audience=audience,
        event=event,
        context={"by": _name_of(user), "text": getattr(plan, "text", "")},
    )


def call_person_missing(*, incident: Any, person: Any, assembly_point: str, user: Any) -> list[Notification]:
    """A person has just been marked 失联 in the open roll call: who, their phone, where the assembly point
    is; the message links to the roll call. The caller calls once per person while they stay missing."""
    return notify(
        incident=incident,
        audience=MISSING_AUDIENCE,
        event="roll_call_person_missing",
        context={
            "name": person.name,
            "phone": person.phone,
            "assembly_point": assembly_point,
            "by": _name_of(user),
        },
    )


def call_person_found(
    *, incident: Any, person: Any, status: str, assembly_point: str, user: Any
) -> list[Notification]:
    """A person who was 失联 is marked safe or absent (in the open roll call or after its close): "已找到"
    to the same people. ``status``: the status msgid the template translates per recipient."""
    return notify(
        incident=incident,
        audience=MISSING_AUDIENCE,
        event="roll_call_missing_found",
        context={
            "name": person.name,
            "phone": person.phone,
            "status": status,
            "assembly_point": assembly_point,
            "by": _name_of(user),
        },
    )


def call_roll_call_closed_missing(
    *, incident: Any, names: str, count: int, reason: str, assembly_point: str
) -> list[Notification]:
    """The roll call was closed (on confirmation, with a reason) while people are still 失联."""
    return notify(
        incident=incident,
        audience=MISSING_AUDIENCE,
        event="roll_call_missing",
        context={"names": names, "count": count, "reason": reason, "assembly_point": assembly_point},
    )


def _name_of(user: Any) -> str:
    person = getattr(user, "person", None)
    return getattr(person, "name", "") or (user.get_username() if hasattr(user, "get_username") else "")
