"""Finding incidents (issue 12): the incident list's filters, sort, page and full-text search, scoped to the
requesting user like every read (STYLE.md §5).

Search runs on ``Incident.search_document`` — CJK characters and bigrams plus Latin words of the title, the
description and every progress update, kept by database triggers — through a GIN index (``desk_search_query``
turns the words typed into the AND of their bigrams). The count behind the pager stops at ``COUNT_LIMIT``
("1,000+"), so a common word costs the same as a rare one (docs/decisions.md, issue 12).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.postgres.search import SearchQueryField
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from teams.selectors import actor_for

from .models import OPEN_STATES, Incident, TerminationApproval
from .plans import TERMINATION_APPROVALS, ApprovalSlot
from .selectors import incidents_visible_to

PAGE_SIZE = 25
# What a row of the list shows (``pages.list_rows_html``): fetching only these, not the ~45 columns of an
# incident with its long texts, halves building a page's 25 incidents.
LIST_FIELDS = (
    "title",
    "is_drill",
    "state",
    "grade",
    "plan",
    "category",
    "detected_at",
    "lead_group__code",
    "lead_group__name",
)
COUNT_LIMIT = 1000
OPEN = "open"
SORTS: dict[str, tuple[str, ...]] = {
    "-detected_at": ("-detected_at", "-id"),
    "detected_at": ("detected_at", "id"),
    "grade": ("grade", "-detected_at", "-id"),
    "state": ("state", "-detected_at", "-id"),
    "title": ("title", "id"),
}


@dataclass(frozen=True)
class IncidentFilters:
    words: str = ""
    state: str = ""  # a State value, OPEN for every open state, or "" for all
    plan: str = ""
    category: str = ""
    kind: str = ""  # the kind of sudden event (Art. 14)
    grade: str = ""
    detected_from: date | None = None
    detected_to: date | None = None
    drill: str = ""  # "only", "exclude" or "" for both
    needs_me: bool = False
    sort: str = "-detected_at"
    page: int = 1


@dataclass(frozen=True)
class IncidentPage:
    incidents: list[Incident]
    number: int
    pages: int
    total: int
    at_least: bool  # the count stopped at COUNT_LIMIT: there are that many or more

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


class _SearchQuery(Func):
    function = "desk_search_query"
    output_field = SearchQueryField()


class _Matches(Func):
    """``document @@ query``: true when the document holds every term of the query."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def waiting_for(*, user: Any) -> Q:
    """Incidents where a decision waits for this user: a report to decide (leader or deputy, not the
    reporter — four-eyes), a termination whose approval slot the user holds and nobody has filled in this
    round (never the requester), an investigation the user is assigned to."""
    waits = Q(pk__in=[])
    for branch in waiting_branches(user=user):
        waits |= branch
    return waits


def waiting_branches(*, user: Any) -> list[Q]:
    """``waiting_for`` as its separate conditions — each on one state, so none overlaps another: counted one
    by one, each starts from the state index and stops at a limit (the top bar's count)."""
    actor = actor_for(user)
    if actor.is_read_only or not getattr(user, "pk", None):
        return []
    waits: list[Q] = []
    if actor.is_leadership_decider:
        waits.append(Q(state="reported") & ~Q(reported_by_id=user.pk))
    held = [ApprovalSlot.LEADERSHIP] if actor.is_leadership_decider else []
    held += [
        slot
        for slot in (ApprovalSlot.BUILDING_SECURITY, ApprovalSlot.HQ_GENERAL_OFFICE)
        if slot in actor.parties
    ]
    approved_by_me = TerminationApproval.objects.filter(
        incident=OuterRef("pk"), round=OuterRef("termination_round"), approver_id=user.pk
    )
    for slot in held:
        plans = [plan for plan, slots in TERMINATION_APPROVALS.items() if slot in slots]
        plan_needs_slot = (
            Q(plan__in=plans) | Q(plan="") if slot == ApprovalSlot.LEADERSHIP else Q(plan__in=plans)
        )
        slot_filled = TerminationApproval.objects.filter(
            incident=OuterRef("pk"),
            round=OuterRef("termination_round"),
            slot=slot,
            decision=TerminationApproval.Decision.APPROVE,
        )
        waits.append(
            Q(state="termination_requested")
            & plan_needs_slot
            & ~Q(termination_requested_by_id=user.pk)
            & ~Exists(slot_filled)
            & ~Exists(approved_by_me)
        )
    if actor.person_id is not None:
        # A subquery, not a join: every branch then starts from the state index (no scan of all incidents).
        assigned = Incident.investigators.through.objects.filter(person_id=actor.person_id)
        waits.append(Q(state="investigating", pk__in=assigned.values("incident_id")))
    return waits


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))  # the day as the desk lives it (Shanghai)


def incidents_found(*, user: Any, filters: IncidentFilters) -> QuerySet[Incident]:
    """The visible incidents that pass every filter, in the order asked for."""
    found = incidents_visible_to(user=user)
    if filters.state == OPEN:
        found = found.filter(state__in=OPEN_STATES)
    elif filters.state:
        found = found.filter(state=filters.state)
    for name in ("plan", "category", "kind", "grade"):
        if getattr(filters, name):
            found = found.filter(**{name: getattr(filters, name)})
    if filters.detected_from:
        found = found.filter(detected_at__gte=_day_start(filters.detected_from))
    if filters.detected_to:
        found = found.filter(detected_at__lt=_day_start(filters.detected_to + timedelta(days=1)))
    if filters.drill == "only":
        found = found.filter(is_drill=True)
    elif filters.drill == "exclude":
        found = found.filter(is_drill=False)
    if filters.needs_me:
        found = found.filter(waiting_for(user=user))
    words = filters.words.strip()
    if words:
        matches = _Matches(F("search_document"), _SearchQuery(Value(words)))
        number = words.lstrip("#")
        found = found.filter(
            matches | Q(pk=int(number)) if number.isdigit() and len(number) < 12 else matches
        )
    return found.order_by(*SORTS.get(filters.sort, SORTS["-detected_at"]))


def incident_page(*, user: Any, filters: IncidentFilters) -> IncidentPage:
    """One page of the list: two queries whatever the page size (a capped count, then the rows)."""
    found = incidents_found(user=user, filters=filters)
    total = found.order_by()[: COUNT_LIMIT + 1].count()
    at_least = total > COUNT_LIMIT
    total = min(total, COUNT_LIMIT)
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(1, filters.page), pages)
    start = (number - 1) * PAGE_SIZE
    rows = list(found.only(*LIST_FIELDS)[start : start + PAGE_SIZE])
    return IncidentPage(incidents=rows, number=number, pages=pages, total=total, at_least=at_least)
