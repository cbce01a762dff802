"""Reads of the organisation. ``actor_for`` is how every other app learns who a user is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Case, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from .models import ActingLeader, Membership, Party, Person, Team
from .roles import ANONYMOUS_ACTOR, AUDITOR_GROUP, INTEGRATOR_GROUP, OrgActor

_CACHE_ATTR = "_org_actor"
# Heads first: leader, deputy, a working group's lead, then members.
ROLE_ORDER = (Membership.Role.LEADER, Membership.Role.DEPUTY, Membership.Role.LEAD, Membership.Role.MEMBER)


def actor_for(user: AbstractBaseUser | AnonymousUser | None) -> OrgActor:
    """The user's roles in the organisation, computed once per user object (i.e. per request)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS_ACTOR
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    actor = _compute_actor(user)
    setattr(user, _CACHE_ATTR, actor)
    return actor


def forget_actor(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _compute_actor(user: Any) -> OrgActor:
    group_names = set(user.groups.values_list("name", flat=True))
    person = Person.objects.filter(user=user, is_active=True).first()
    led: set[str] = set()
    member: set[str] = set()
    is_leader = is_deputy = is_leadership_member = False
    parties: set[str] = set()
    if person is not None:
        for team_code, role in Membership.objects.filter(person=person).values_list("team__code", "role"):
            if team_code == Team.Code.LEADERSHIP:
                is_leader |= role == Membership.Role.LEADER
                is_deputy |= role == Membership.Role.DEPUTY
                is_leadership_member |= role == Membership.Role.MEMBER
            elif role == Membership.Role.LEAD:
                led.add(team_code)
            else:
                member.add(team_code)
        parties = set(Party.objects.filter(person=person).values_list("kind", flat=True))
    acting = acting_for_person(person_id=person.pk) if person is not None else ()
    return OrgActor(
        user_id=user.pk,
        person_id=person.pk if person else None,
        display_name=person.name if person else user.get_username(),
        is_leader=is_leader,
        is_deputy=is_deputy,
        is_leadership_member=is_leadership_member,
        led_groups=frozenset(led),
        member_groups=frozenset(member),
        parties=frozenset(parties),
        is_auditor=AUDITOR_GROUP in group_names,
        is_integrator=INTEGRATOR_GROUP in group_names,
        is_admin=bool(user.is_superuser),
        acting_for=acting,
    )


def acting_periods_now(at: datetime | None = None) -> QuerySet[ActingLeader]:
    """Acting appointments in force at ``at`` (now by default): started, not yet ended, not ended early."""
    at = at or timezone.now()
    return ActingLeader.objects.filter(starts_at__lte=at, ends_at__gt=at, ended_at__isnull=True)


def acting_for_person(*, person_id: int, at: datetime | None = None) -> tuple[tuple[str, str], ...]:
    """The one rule for acting leaders: the roles this person acts for now, with whom they act for."""
    rows = (
        acting_periods_now(at)
        .filter(person_id=person_id)
        .order_by("acts_for", "starts_at")
        .values_list("acts_for", "acts_for_person__name")
    )
    return tuple((role, name) for role, name in rows)


def teams_with_members() -> QuerySet[Team]:
    rank = Case(
        *[When(role=role, then=Value(i)) for i, role in enumerate(ROLE_ORDER)], default=Value(len(ROLE_ORDER))
    )
    memberships = Membership.objects.select_related("person").order_by(rank, "person__name")
    return Team.objects.prefetch_related(Prefetch("memberships", queryset=memberships)).order_by("id")


def parties_with_people() -> QuerySet[Party]:
    return Party.objects.select_related("person").order_by("kind")


def people_of_team(*, team_code: str, roles: tuple[str, ...] | None = None) -> QuerySet[Person]:
    memberships = Membership.objects.filter(team__code=team_code)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return Person.objects.filter(pk__in=memberships.values("person_id"), is_active=True)


def leadership_deciders() -> QuerySet[Person]:
    """Leader and deputy, and whoever acts for one of them now (escalations reach the acting leader)."""
    deciders = people_of_team(
        team_code=Team.Code.LEADERSHIP, roles=(Membership.Role.LEADER, Membership.Role.DEPUTY)
    )
    acting = acting_periods_now().values("person_id")
    return Person.objects.filter(Q(pk__in=deciders.values("pk")) | Q(pk__in=acting), is_active=True)


def holders_of(*, role: str) -> QuerySet[Person]:
    """The leader (or the deputy) and whoever acts for that role now."""
    holders = people_of_team(team_code=Team.Code.LEADERSHIP, roles=(role,))
    acting = acting_periods_now().filter(acts_for=role).values("person_id")
    return Person.objects.filter(Q(pk__in=holders.values("pk")) | Q(pk__in=acting), is_active=True)


def team_lead(*, team_code: str) -> Person | None:
    return people_of_team(team_code=team_code, roles=(Membership.Role.LEAD,)).first()


def party(*, kind: str) -> Party | None:
    return Party.objects.select_related("person").filter(kind=kind).first()


def all_staff() -> QuerySet[Person]:
    """Everyone in a working group or the Leadership Group: the people a roster or roll call covers."""
    return Person.objects.filter(is_active=True, memberships__isnull=False).distinct().order_by("name")


def acting_periods_current_and_upcoming() -> QuerySet[ActingLeader]:
    """For the organisation page: acting appointments in force or still to come."""
    return (
        ActingLeader.objects.filter(ends_at__gt=timezone.now(), ended_at__isnull=True)
        .select_related("person", "acts_for_person")
        .order_by("starts_at", "id")
    )


def may_read_organisation(user: Any) -> bool:
    """Who reads the organisation (and so the incidents, the plan being run in the open inside the centre):
    everyone in it, auditors and admins; an integrator token or a stranger reads none of it."""
    actor = actor_for(user)
    return bool(
        actor.is_auditor
        or actor.is_admin
        or actor.in_leadership_group
        or actor.in_any_working_group
        or actor.parties
    )


def people_for(*, user: Any, search: str = "", team: str = "", role: str = "") -> QuerySet[Person]:
    """People an API client may pick (an on-scene commander, investigators, a responsible person): scoped like
    the incidents, searchable by name, team code and role (leader, deputy, lead, member, or a party kind)."""
    if not may_read_organisation(user):
        return Person.objects.none()
    people = Person.objects.filter(is_active=True)
    if search:
        people = people.filter(name__icontains=search)
    if team:
        people = people.filter(memberships__team__code=team)
    if role in Membership.Role.values:
        memberships = Membership.objects.filter(role=role)
        if team:
            memberships = memberships.filter(team__code=team)
        people = people.filter(pk__in=memberships.values("person_id"))
    elif role:
        people = people.filter(parties__kind=role)
    return (
        people.distinct()
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("team")),
            "parties",
        )
        .order_by("name", "id")
    )
