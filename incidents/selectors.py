"""Reads of incidents, always scoped to the requesting user (STYLE.md §5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from teams.selectors import actor_for

from . import contributions
from .models import (
    GENESIS_HASH,
    ChecklistItem,
    Incident,
    ProgressUpdate,
    RegulatorDeadline,
    State,
    TerminationApproval,
    TimelineEntry,
)
from .models.checklist import ChecklistItemQuerySet


def incidents_visible_to(*, user: Any) -> QuerySet[Incident]:
    """Everyone in the emergency organisation, auditors and admins read all incidents (the plan is run
    in the open inside the centre); anyone else — an integrator token, a stranger — reads none."""
    # The search document is for the database's index, never for Python (it is the biggest column).
    base = Incident.objects.select_related("lead_group").defer("search_document")
    return base if actor_for(user).may_read_desk else base.none()


def incident_list(*, user: Any) -> QuerySet[Incident]:
    return incidents_visible_to(user=user).order_by("-detected_at", "-id")


def incident_detail(*, user: Any, incident_id: int) -> Incident | None:
    approvals = TerminationApproval.objects.order_by("round", "at")
    return (
        incidents_visible_to(user=user)
        .select_related("on_scene_commander", "reported_by", "declared_by", "termination_requested_by")
        .prefetch_related(Prefetch("approvals", queryset=approvals), "investigators")
        .filter(pk=incident_id)
        .first()
    )


def termination_approvals_in_round(*, incident: Incident) -> list[TerminationApproval]:
    """Approvals of the current termination request (a rejected request starts a new round). Uses the
    approvals a list page prefetched (the inbox, the board), so its permission checks cost no query."""
    prefetched = getattr(incident, "_prefetched_objects_cache", {}).get("approvals")
    if prefetched is not None:
        return [
            approval
            for approval in prefetched
            if approval.round == incident.termination_round
            and approval.decision == TerminationApproval.Decision.APPROVE
        ]
    return [
        approval
        for approval in TerminationApproval.objects.filter(
            incident=incident, round=incident.termination_round, decision=TerminationApproval.Decision.APPROVE
        )
    ]


def timeline_of(*, incident: Incident) -> QuerySet[TimelineEntry]:
    return TimelineEntry.objects.filter(incident=incident).order_by("seq")


def checklist_of(*, incident: Incident) -> ChecklistItemQuerySet:
    """Every measure of the incident, withdrawn ones included (the record); ``.open()`` for those waiting."""
    return (
        ChecklistItem.objects.filter(incident=incident)
        .select_related("owner", "done_by__person", "withdrawn_by__person")
        .order_by("position", "due_at")
    )


def updates_of(*, incident: Incident) -> QuerySet[ProgressUpdate]:
    """最新进展, newest first, with their authors and evidence files."""
    return incident.updates.select_related("author__person").prefetch_related("attachments").order_by("-at")


def linked_incidents(*, incident: Incident) -> QuerySet[Incident]:
    """The incidents linked to this one by the post-event watch (Art. 18), either way."""
    return (
        Incident.objects.filter(Q(pk=incident.related_incident_id) | Q(related_incident=incident))
        .only("id", "title", "state", "is_drill")
        .order_by("detected_at")
    )


def approvals_in_round(*, incident: Incident) -> list[TerminationApproval]:
    """The current round's approvals and rejections from what ``incident_detail`` / ``awaiting_decision``
    prefetched (no query)."""
    return [a for a in incident.approvals.all() if a.round == incident.termination_round]


def available_transitions(*, incident: Incident, user: Any) -> list[str]:
    """The moves open to *this* user from the incident's current state (django-fsm computes them from the
    transitions' sources, conditions and permissions)."""
    return [t.name for t in incident.get_available_user_state_transitions(user)]  # type: ignore[attr-defined]


def deadlines_of(
    *, incident: Incident, timers: dict[int, list[dict[str, Any]]] | None = None
) -> list[dict[str, Any]]:
    """The clocks running on this incident, soonest first: the proposed termination time limit, and the
    clocks the apps above register (``contributions``: escalation's outage limit, reminders, regulator
    deadlines) — one query, or none when a
    list page passes what ``deadlines_for`` prefetched for all its incidents."""
    deadlines: list[dict[str, Any]] = []
    if incident.termination_deadline and incident.state in (State.EXECUTING, State.TERMINATION_REQUESTED):
        deadlines.append(
            {
                "kind": "termination_deadline",
                "due_at": incident.termination_deadline.isoformat(),
                "label": str(_("终止时限")),
            }
        )
    if timers is None:
        timers = contributions.deadlines_for_incidents([incident.pk])
    deadlines.extend(item for item in timers.get(incident.pk, []) if item["kind"] != "termination_overdue")
    return sorted(deadlines, key=lambda item: item["due_at"])


def deadlines_for(*, incidents: Any) -> dict[int, list[dict[str, Any]]]:
    """Deadlines of a whole page of incidents in one query: ``{incident_id: deadlines_of(...)}``."""
    incidents = list(incidents)
    timers = contributions.deadlines_for_incidents([incident.pk for incident in incidents])
    return {incident.pk: deadlines_of(incident=incident, timers=timers) for incident in incidents}


def board_incidents(*, user: Any) -> list[Incident]:
    """The live board (the supervisor's home): every open incident, oldest detection first within each
    state, with what the board shows about who must act next (approvals of the current round)."""
    from .models import OPEN_STATES

    approvals = TerminationApproval.objects.filter(decision=TerminationApproval.Decision.APPROVE)
    return list(
        incidents_visible_to(user=user)
        .filter(state__in=OPEN_STATES)
        .select_related("termination_requested_by", "reported_by")
        .prefetch_related(
            Prefetch("approvals", queryset=approvals, to_attr="approve_decisions"),
            Prefetch("regulator_deadlines", queryset=_regulator_deadlines(), to_attr="regulator_list"),
        )
        .order_by("detected_at", "id")[:200]
    )


def _regulator_deadlines() -> QuerySet[RegulatorDeadline]:
    return RegulatorDeadline.objects.select_related("document").order_by("due_at", "id")


def regulator_outstanding(*, user: Any) -> list[Incident]:
    """For the board: incidents past termination whose regulator deadlines are still open (they leave the
    board's columns but not the Leadership Group's duty), with their deadlines."""
    from .models import OPEN_STATES

    return list(
        incidents_visible_to(user=user)
        .exclude(state__in=OPEN_STATES)
        .filter(regulator_deadlines__outcome=RegulatorDeadline.Outcome.OPEN)
        .distinct()
        .prefetch_related(
            Prefetch("regulator_deadlines", queryset=_regulator_deadlines(), to_attr="regulator_list")
        )
        .order_by("detected_at", "id")[:50]
    )


@dataclass
class TimelineVerification:
    checked: int = 0
    incidents: int = 0
    broken: TimelineEntry | None = None
    reason: str = ""


def timeline_verify(*, incident_id: int | None = None) -> TimelineVerification:
    """Recompute every entry's hash in order: a row altered, removed or inserted behind the app's back breaks
    the chain at that row. Streams in id order so a million entries need little memory."""
    entries = TimelineEntry.objects.order_by("incident_id", "seq")
    if incident_id is not None:
        entries = entries.filter(incident_id=incident_id)
    result = TimelineVerification()
    current_incident = None
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for entry in entries.iterator(chunk_size=5000):
        if entry.incident_id != current_incident:
            current_incident = entry.incident_id
            expected_prev, expected_seq = GENESIS_HASH, 1
            result.incidents += 1
        result.checked += 1
        if entry.seq != expected_seq:
            result.broken, result.reason = (
                entry,
                f"expected seq {expected_seq}, found {entry.seq} (missing entry)",
            )
            return result
        if entry.prev_hash != expected_prev:
            result.broken, result.reason = entry, "prev_hash does not match the previous entry's hash"
            return result
        if entry.compute_hash() != entry.hash:
            result.broken, result.reason = entry, "content does not match its hash (altered)"
            return result
        expected_prev, expected_seq = entry.hash, expected_seq + 1
    return result


def decisions_waiting_for(*, user: Any) -> list[dict[str, Any]]:
    """What still waits for THIS user, newest first (the approval inbox, the top bar's and the board's
    counts, issue 12). Which incidents is one rule, ``search.waiting_for`` (the list's "needs me" filter
    too): a report to decide, a termination approval still open to them — not their own report or request
    (four-eyes), not one they already gave — and an investigation they were named to. The state machine
    then says which decision moves the page offers. Plus what the apps above register
    (``contributions.decisions_awaiting``: dispute plans, complaint extensions for a Leadership decider,
    not what they asked for themselves). Each item: ``kind``
    (``incident``, ``investigation`` or the measure's kind), ``incident``, ``since``, and ``moves``."""
    from . import contributions, search
    from .presentation import DECISION_TRANSITIONS

    approvals = TerminationApproval.objects.order_by("round", "at")
    incidents = (
        incidents_visible_to(user=user)
        .filter(search.waiting_for(user=user))
        .select_related("reported_by__person", "termination_requested_by__person")
        .prefetch_related(Prefetch("approvals", queryset=approvals), "attachments")
    )
    items: list[dict[str, Any]] = []
    for incident in incidents:
        if incident.state == "investigating":
            since = incident.investigating_at or incident.updated_at
            items.append({"kind": "investigation", "incident": incident, "moves": [], "since": since})
            continue
        moves = [
            name
            for name in available_transitions(incident=incident, user=user)
            if name in DECISION_TRANSITIONS
        ]
        if not moves:
            continue
        since = (
            incident.termination_requested_at
            if incident.state == "termination_requested"
            else incident.reported_at
        ) or incident.detected_at
        items.append({"kind": "incident", "incident": incident, "moves": moves, "since": since})
    if actor_for(user).is_leadership_decider:
        items += [
            {**item, "since": item["at"]}
            for item in contributions.decisions_awaiting(user)
            if not item.get("own")
        ]
    return sorted(items, key=lambda item: item["since"], reverse=True)


WAITING_COUNT_LIMIT = 99


def decisions_waiting_count(*, user: Any) -> int:
    """How many decisions wait for this user (the top bar's badge on every page): the same rule as
    ``decisions_waiting_for`` (``search.waiting_branches`` plus what the apps above register), counted in SQL
    and stopped at ``WAITING_COUNT_LIMIT`` + 1 ("99+"), so every page costs one small query however much
    waits — building the inbox's items for 12,500 waiting reports took 17 s a page (issue 12 profile)."""
    sql, params = _waiting_count_sql(user)
    waiting = 0
    if sql:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            waiting = cursor.fetchone()[0]
    if waiting <= WAITING_COUNT_LIMIT and actor_for(user).is_leadership_decider:
        waiting += sum(1 for item in contributions.decisions_awaiting(user) if not item.get("own"))
    return min(waiting, WAITING_COUNT_LIMIT + 1)


# The badge's SQL by (user, roles): building the per-condition querysets and compiling their UNION was ~3 ms
# of Python on every page (issue 12 profile), for a text that only changes with who asks. The roles are part
# of the key, so a new membership or an acting period gives a new text; bounded, like any per-process cache.
_WAITING_SQL: dict[tuple[Any, ...], tuple[str, tuple[Any, ...]]] = {}
_WAITING_SQL_SIZE = 512


def _waiting_count_sql(user: Any) -> tuple[str, tuple[Any, ...]]:
    """``SELECT COUNT(*)`` over the UNION of one capped sub-select per waiting condition ("" if none)."""
    from . import search

    actor = actor_for(user)
    key = (getattr(user, "pk", None), actor)
    cached = _WAITING_SQL.get(key)
    if cached is not None:
        return cached
    # One sub-select per condition, each on one state's index and stopped at the limit, then their UNION
    # (an incident in two conditions counts once); one OR over them would make PostgreSQL collect every
    # reported and investigating incident first.
    visible = incidents_visible_to(user=user).order_by().values("pk")
    branches = [
        visible.filter(branch)[: WAITING_COUNT_LIMIT + 1] for branch in search.waiting_branches(user=user)
    ]
    compiled: tuple[str, tuple[Any, ...]] = ("", ())
    if branches and actor.may_read_desk:
        union_sql, params = branches[0].union(*branches[1:]).query.sql_with_params()
        compiled = (f"SELECT COUNT(*) FROM ({union_sql}) AS waiting", tuple(params))
    if len(_WAITING_SQL) >= _WAITING_SQL_SIZE:
        _WAITING_SQL.clear()
    _WAITING_SQL[key] = compiled
    return compiled


def termination_evidence(*, incidents: list[Incident]) -> dict[int, dict[str, Any]]:
    """What an approver weighs on a termination request, for a whole inbox in two queries: the checklist
    items still open and the latest progress update of each incident."""
    from .models import ProgressUpdate

    ids = [incident.pk for incident in incidents]
    evidence: dict[int, dict[str, Any]] = {pk: {"open_items": [], "latest_update": None} for pk in ids}
    if not ids:
        return evidence
    for item in (
        ChecklistItem.objects.open().filter(incident_id__in=ids).order_by("incident_id", "position", "due_at")
    ):
        evidence[item.incident_id]["open_items"].append(item)
    for update in (
        ProgressUpdate.objects.filter(incident_id__in=ids)
        .order_by("incident_id", "-at", "-id")
        .distinct("incident_id")
    ):
        evidence[update.incident_id]["latest_update"] = update
    return evidence


def latest_decision(*, incident: Incident) -> TimelineEntry | None:
    """The last decision taken on the incident (activate / decline / approve or reject termination): what the
    loser of a race is shown."""
    from .presentation import DECISION_TRANSITIONS

    return (
        TimelineEntry.objects.filter(incident=incident, action__in=DECISION_TRANSITIONS)
        .order_by("-seq")
        .first()
    )
