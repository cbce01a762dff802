"""Reads of the organisation. ``actor_for`` is how every other app learns who a user is."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import Case, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from .models import ActingLeader, Membership, Party, Person, Team, UserPreference
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


# Everything ``OrgActor`` is made of, in one round trip (it runs on every request: issue 12 measured the four
# separate queries it replaced at a third of the list API's time). ``{user}`` is the SQL expression of the
# user's id: a parameter here, a column where the caller reads the user in the same query (``actor_sql``).
_ACTOR_SELECT = """
SELECT
  ARRAY(SELECT g.name FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id
        WHERE ug.user_id = {user}) AS actor_groups,
  p.id AS actor_person_id,
  p.name AS actor_person_name,
  ARRAY(SELECT t.code || ' ' || m.role FROM teams_membership m JOIN teams_team t ON t.id = m.team_id
        WHERE m.person_id = p.id) AS actor_memberships,
  ARRAY(SELECT y.kind FROM teams_party y WHERE y.person_id = p.id) AS actor_parties,
  ARRAY(SELECT a.acts_for || ' ' || ap.name
        FROM teams_actingleader a JOIN teams_person ap ON ap.id = a.acts_for_person_id
        WHERE a.person_id = p.id AND a.starts_at <= %(now)s AND a.ends_at > %(now)s AND a.ended_at IS NULL
        ORDER BY a.acts_for, a.starts_at) AS actor_acting
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (
  SELECT id, name FROM teams_person WHERE user_id = {user} AND is_active ORDER BY id LIMIT 1
) AS p ON TRUE
"""
_ACTOR_SQL = _ACTOR_SELECT.format(user="%(user)s")
ACTOR_COLUMNS = 6  # what ``actor_sql`` adds to a row, after the caller's own columns


def actor_sql(user_id: str) -> str:
    """The actor's six columns for the user whose id is the SQL expression ``user_id`` (e.g. ``u.id``), as a
    sub-select to ``CROSS JOIN LATERAL``; takes the named parameter ``now`` (``timezone.now()``). For a caller
    that reads the user anyway — the API's token authentication — so that who the user is in the
    organisation costs no query of its own; hand the six columns to ``remember_actor``."""
    return _ACTOR_SELECT.format(user=user_id)


def remember_actor(user: Any, columns: Sequence[Any]) -> OrgActor:
    """The actor made of ``actor_sql``'s columns, kept on the user object like ``actor_for`` keeps it."""
    actor = _actor_of(user, *columns)
    setattr(user, _CACHE_ATTR, actor)
    return actor


def _compute_actor(user: Any) -> OrgActor:
    with connection.cursor() as cursor:
        cursor.execute(_ACTOR_SQL, {"user": user.pk, "now": timezone.now()})
        return _actor_of(user, *cursor.fetchone())


def _actor_of(
    user: Any,
    group_list: list[str],
    person_id: int | None,
    person_name: Any,
    memberships: list[str],
    party_kinds: list[str],
    acting: list[Any],
) -> OrgActor:
    group_names = set(group_list)
    led: set[str] = set()
    member: set[str] = set()
    is_leader = is_deputy = is_leadership_member = False
    for team_code, role in (item.split(" ", 1) for item in (memberships if person_id is not None else [])):
        if team_code == Team.Code.LEADERSHIP:
            is_leader |= role == Membership.Role.LEADER
            is_deputy |= role == Membership.Role.DEPUTY
            is_leadership_member |= role == Membership.Role.MEMBER
        elif role == Membership.Role.LEAD:
            led.add(team_code)
        else:
            member.add(team_code)
    parties = set(party_kinds) if person_id is not None else set()
    return OrgActor(
        user_id=user.pk,
        person_id=person_id,
        display_name=person_name if person_id is not None else user.get_username(),
        is_leader=is_leader,
        is_deputy=is_deputy,
        is_leadership_member=is_leadership_member,
        led_groups=frozenset(led),
        member_groups=frozenset(member),
        parties=frozenset(parties),
        is_auditor=AUDITOR_GROUP in group_names,
        is_integrator=INTEGRATOR_GROUP in group_names,
        is_admin=bool(user.is_superuser),
        # The one rule for acting leaders (teams.ActingLeader): the roles this person acts for now, for whom.
        acting_for=tuple(tuple(item.split(" ", 1)) for item in (acting if person_id is not None else [])),
    )


def acting_periods_now(at: datetime | None = None) -> QuerySet[ActingLeader]:
    """Acting appointments in force at ``at`` (now by default): started, not yet ended, not ended early."""
    at = at or timezone.now()
    return ActingLeader.objects.filter(starts_at__lte=at, ends_at__gt=at, ended_at__isnull=True)


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
    """Everyone the roster and the roll call cover: the emergency organisation's people and every employee
    in the staff directory (issue 13), active, by name."""
    return (
        Person.objects.filter(Q(memberships__isnull=False) | Q(in_directory=True), is_active=True)
        .distinct()
        .order_by("name")
    )


def people_for(
    *, user: Any, search: str = "", team: str = "", role: str = "", in_organisation: bool | None = None
) -> QuerySet[Person]:
    """People an API client may pick (an on-scene commander, investigators, a responsible person, an employee
    on the roster or the roll call): scoped like the incidents — whoever reads the desk sees everyone active,
    anyone else nobody — searchable by name, team code and role (leader, deputy, lead, member, or a party
    kind); ``in_organisation`` keeps the emergency organisation (True) or everyone outside it (False)."""
    if not actor_for(user).may_read_desk:
        return Person.objects.none()
    people = Person.objects.filter(is_active=True)
    in_org = Q(pk__in=Membership.objects.values("person_id")) | Q(
        pk__in=Party.objects.filter(person__isnull=False).values("person_id")  # NOT IN must not meet a NULL
    )
    if in_organisation is not None:
        people = people.filter(in_org if in_organisation else ~in_org)
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


def acting_periods_current_and_upcoming() -> QuerySet[ActingLeader]:
    """For the organisation page: acting appointments in force or still to come."""
    return (
        ActingLeader.objects.filter(ends_at__gt=timezone.now(), ended_at__isnull=True)
        .select_related("person", "acts_for_person")
        .order_by("starts_at", "id")
    )


def preferred_languages(
    *, user_ids: Collection[int], person_ids: Collection[int]
) -> dict[str, dict[int, str]]:
    """The UI language each user and each person's user account prefers (``UserPreference``), in two
    queries: ``{"users": {user_id: lang}, "people": {person_id: lang}}``. Whoever has no account or no
    preference is absent (the caller falls back to ``LANGUAGE_CODE``)."""
    person_users = dict(
        Person.objects.filter(pk__in=person_ids, user__isnull=False).values_list("pk", "user_id")
    )
    wanted = set(user_ids) | set(person_users.values())
    by_user = dict(UserPreference.objects.filter(user_id__in=wanted).values_list("user_id", "language"))
    return {
        "users": {user_id: by_user[user_id] for user_id in user_ids if user_id in by_user},
        "people": {pk: by_user[uid] for pk, uid in person_users.items() if uid in by_user},
    }
