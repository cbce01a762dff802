"""One way to act on an incident (in the spirit of Zulip's ``access_*`` helpers): ``incident_action`` locks
the incident row, refuses with the shared messages, and appends the timeline entries of the write.

Every app's write to an incident's record runs inside it, so the incident row is always the first lock a
write takes (then the rows it owns: timers, checklist items, measures…) — one lock order, no deadlock —
and the timeline's hash chain, which needs that lock, is only ever appended to here.

The refusals, in this order, the same for every app:

1. read only (auditors, 403);
2. the incident is closed (409) — nothing changes a closed case;
3. the wrong state for this write (409: the world moved, or someone acted first);
4. not allowed for this user (403).

Inside one transaction the incident is locked once: a nested ``incident_action`` on the same incident (an
event handler, a service calling another) gets the same locked instance, without another query.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from core import errors as refusals
from core.errors import Conflict, Forbidden, IncidentNotFound
from teams import selectors as team_selectors

from .. import policies
from ..models import GENESIS_HASH, Incident, State, TimelineEntry

Check = Callable[[Incident, Any], bool]

# The incidents this transaction holds the row lock of, by id (see ``incident_locked``).
_held: ContextVar[dict[int, Incident] | None] = ContextVar("incidents_held", default=None)


def _plain(value: Any) -> Any:
    """Make validated form data JSON-safe for the timeline payload, keeping names next to ids."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Model):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, list | tuple | set) or hasattr(value, "__iter__") and hasattr(value, "model"):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _timeline_append(
    *,
    incident: Incident,
    user: Any,
    action: str,
    kind: str = TimelineEntry.Kind.ACTION,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TimelineEntry:
    """Append one entry to the incident's hash chain. Only called with the incident's row lock held (by
    ``incident_action`` or ``incident_declare``), which keeps the sequence gap-free and the chain linear."""
    last = TimelineEntry.objects.filter(incident=incident).order_by("-seq").values("seq", "hash").first()
    actor = team_selectors.actor_for(user)
    if actor.acting_record is not None:  # an acting leader's entries say whom they acted for
        payload = {**(payload or {}), "acting_for": actor.acting_record}
    entry = TimelineEntry(
        incident=incident,
        seq=(last["seq"] + 1) if last else 1,
        at=at or timezone.now(),
        actor_id=getattr(user, "pk", None),
        actor_name=actor.display_name or str(user),
        actor_role=actor.primary_role,
        kind=kind,
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        payload=_plain(payload or {}),
        prev_hash=last["hash"] if last else GENESIS_HASH,
    )
    entry.hash = entry.compute_hash()
    entry.save(force_insert=True)
    return entry


@contextmanager
def _holding(incident: Incident) -> Iterator[Incident]:
    """Remember, for the rest of this block, that this transaction holds the incident's row lock."""
    held = _held.get()
    token = None
    if held is None:
        held = {}
        token = _held.set(held)
    outer = held.get(incident.pk)
    held[incident.pk] = incident
    try:
        yield incident
    finally:
        if outer is None:
            held.pop(incident.pk, None)
        if token is not None:
            _held.reset(token)


@contextmanager
def incident_locked(incident_id: int, *, wait: bool = True) -> Iterator[Incident | None]:
    """Lock the incident row (the first lock of any write) in the caller's transaction. ``wait=False``
    (the timer sweep) yields ``None`` when someone else holds it; a missing incident yields ``None`` too."""
    held = _held.get() or {}
    if incident_id in held:
        yield held[incident_id]
        return
    incident = (
        Incident.objects.select_for_update(of=("self",), skip_locked=not wait)
        .select_related("lead_group")
        .filter(pk=incident_id)
        .first()
    )
    if incident is None:
        yield None
        return
    with _holding(incident):
        yield incident


@contextmanager
def incidents_locked(incident_ids: Collection[int]) -> Iterator[dict[int, Incident]]:
    """Lock the rows of those of these incidents nobody else holds right now, in one query, in the caller's
    transaction (the timer sweep firing a chunk of due timers: one round trip, not one per incident). Never
    waits (``SKIP LOCKED``), so it cannot deadlock; yields the locked ones by id — the others are busy."""
    held = _held.get() or {}
    locked = {pk: held[pk] for pk in incident_ids if pk in held}
    wanted = [pk for pk in incident_ids if pk not in held]
    if wanted:
        rows = (
            Incident.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("lead_group")
            .filter(pk__in=wanted)
            .order_by("pk")
        )
        locked.update((incident.pk, incident) for incident in rows)
    with ExitStack() as stack:
        for incident in locked.values():
            stack.enter_context(_holding(incident))
        yield locked


@dataclass
class IncidentAction:
    """What the body of ``incident_action`` works with: the locked incident, and ``record`` for the
    timeline entry (or entries) of the write."""

    incident: Incident
    user: Any

    def record(
        self,
        action: str,
        *,
        comment: str = "",
        payload: dict[str, Any] | None = None,
        at: datetime | None = None,
        user: Any = None,
    ) -> TimelineEntry:
        """Append an action that changes no state."""
        return _timeline_append(
            incident=self.incident,
            user=self.user if user is None else user,
            action=action,
            comment=comment,
            payload=payload,
            from_state=self.incident.state,
            to_state=self.incident.state,
            at=at,
        )

    def record_transition(
        self, name: str, *, from_state: str, comment: str, payload: dict[str, Any], at: datetime
    ) -> TimelineEntry:
        return _timeline_append(
            incident=self.incident,
            user=self.user,
            action=name,
            kind=TimelineEntry.Kind.TRANSITION,
            from_state=from_state,
            to_state=self.incident.state,
            comment=comment,
            payload=payload,
            at=at,
        )


def refuse(
    incident: Incident,
    user: Any,
    *,
    may: Check,
    states: Collection[str] | Callable[[Incident], bool] | None = None,
    closed_message: str | None = None,
    wrong_state_message: Callable[[Incident], str] | None = None,
    not_allowed_message: Callable[[Incident], str] | None = None,
) -> None:
    """Raise the refusal for ``user`` writing to ``incident`` now, if any (the order is the module's)."""
    if team_selectors.actor_for(user).is_read_only:
        raise Forbidden(refusals.read_only_message())
    if incident.state == State.CLOSED:
        raise Conflict(closed_message or refusals.closed_message(), current_state=incident.state)
    in_state = states is None or (states(incident) if callable(states) else incident.state in states)
    if not in_state:
        message = (
            wrong_state_message(incident)
            if wrong_state_message
            else refusals.wrong_state_message(incident.get_state_display())
        )
        raise Conflict(message, current_state=incident.state)
    if not may(incident, user):
        raise Forbidden(
            not_allowed_message(incident) if not_allowed_message else refusals.not_allowed_message()
        )


@contextmanager
def incident_action(
    incident_id: int,
    *,
    user: Any,
    may: Check | None = policies.may_act_on,
    states: Collection[str] | Callable[[Incident], bool] | None = None,
    closed_message: str | None = None,
    wrong_state_message: Callable[[Incident], str] | None = None,
    not_allowed_message: Callable[[Incident], str] | None = None,
) -> Iterator[IncidentAction]:
    """Act on an incident: in a transaction, lock its row, refuse (see the module), and give the body an
    ``IncidentAction`` to record the timeline entry with. ``may=None``: a fact the system records (a
    notification failed, a system recovered) — no refusal, any state."""
    with transaction.atomic(), incident_locked(incident_id) as incident:
        if incident is None:
            raise IncidentNotFound(refusals.not_found_message())
        if may is not None:
            refuse(
                incident,
                user,
                may=may,
                states=states,
                closed_message=closed_message,
                wrong_state_message=wrong_state_message,
                not_allowed_message=not_allowed_message,
            )
        yield IncidentAction(incident=incident, user=user)
