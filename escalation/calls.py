"""The desk calls people: a decision that waits for someone reaches them at once (issue 12).

Reminders (``decision_pending``, ``approvals_missing`` …) are timers that fire 15–30 minutes later; these
calls go out in the transaction of the change that made someone's decision due, through the one
notification service (``services.notify``: the inbox row is written with the change, e-mail, SMS and
robots are queued on commit). One table says who is called when:

- ``report`` → the Leadership Group decides whether to activate (Art. 8–9);
- ``request_termination`` → each approver the plan requires whose approval is still missing (Art. 15–17:
  the Leadership Group, building security for sudden events, head-office general office for complaints);
- ``investigate`` → the investigators named in the decision (Art. 19);
- a dispute plan proposed → the Leadership Group's leader and deputy, who approve it (Art. 14-bis 2).
"""

from __future__ import annotations

from typing import Any

from incidents.policies import SYSTEM_USER

from .models import Notification
from .services import notify

# transition → (message event, audience keys)
CALLS: dict[str, tuple[str, list[str]]] = {
    "report": ("decision_waiting", ["leadership"]),
    "request_termination": ("termination_approval_waiting", ["missing_approvers"]),
    "investigate": ("investigation_assigned", ["investigators"]),
}
DISPUTE_PLAN_CALL = ("dispute_plan_waiting", ["leadership_deciders"])


def call_after_transition(*, incident: Any, name: str, user: Any) -> list[Notification]:
    """Call whoever the transition ``name`` has just made responsible for the next decision."""
    if name not in CALLS:
        return []
    if name == "report" and user is SYSTEM_USER:
        # The outage clock's own report (Art. 2) tells the Leadership Group with its ``outage_reported``
        # message in the same firing; a second message to the same people would say the same thing.
        return []
    event, audience = CALLS[name]
    return notify(incident=incident, audience=audience, event=event, context={"by": _name_of(user)})


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


def _name_of(user: Any) -> str:
    person = getattr(user, "person", None)
    return getattr(person, "name", "") or (user.get_username() if hasattr(user, "get_username") else "")
