"""Who an audience key means, resolved when a notification is written (DESIGN §5).

Keys: ``group:<team>``, ``group_lead:<team>``, ``leadership_deciders``, ``leadership``, ``leader``,
``deputy``, ``party:<kind>``, ``user:<id>``, ``person:<id>`` (a named person: a complaint handler), and —
relative to the incident — ``lead_group``,
``lead_group_lead``, ``missing_approvers`` (who may still approve the termination: ``policies``),
``activation_deciders`` (who may activate or decline the report: ``policies.may_decide``),
``leadership_informed`` (the rest of the Leadership Group, not the reporter), ``investigators``,
``on_scene_commander`` (named at ``execute``, Art. 10; nobody before). People are resolved when the message is
written, so a snapshotted escalation still reaches whoever holds the role at that moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from incidents import policies
from teams import selectors as team_selectors
from teams.models import Membership, Party, Person, Team

FIXED_KEYS = ("leadership_deciders", "leadership", "leader", "deputy")
# ``owner``: a measure's owner, resolved when its overdue clock starts (policy ``measure_overdue``)
INCIDENT_KEYS = (
    "lead_group",
    "lead_group_lead",
    "missing_approvers",
    "activation_deciders",
    "leadership_informed",
    "owner",
    "investigators",
    "on_scene_commander",
)
PREFIXES = ("group:", "group_lead:", "party:", "user:", "person:")


@dataclass(frozen=True)
class Target:
    """One delivery: a channel and where to (a user's inbox, a mailbox, a phone, a robot URL)."""

    channel: str
    name: str
    user_id: int | None = None
    address: str = ""
    secret: str = ""
    person_id: int | None = None

    @property
    def key(self) -> tuple[str, Any]:
        return (self.channel, self.user_id if self.channel == "inbox" else self.address)


def audience_errors(audience: list[Any]) -> list[str]:
    errors = []
    for key in audience:
        if not isinstance(key, str):
            errors.append(_("通知对象必须是字符串：%s") % key)
        elif key in FIXED_KEYS or key in INCIDENT_KEYS:
            continue
        elif key.startswith(("group:", "group_lead:")):
            if key.split(":", 1)[1] not in Team.Code.values:
                errors.append(_("未知的小组：%s") % key)
        elif key.startswith("party:"):
            if key.split(":", 1)[1] not in Party.Kind.values:
                errors.append(_("未知的协同方：%s") % key)
        elif key.startswith(("user:", "person:")):
            if not key.split(":", 1)[1].isdigit():
                errors.append(_("用户编号必须是数字：%s") % key)
        else:
            errors.append(_("未知的通知对象：%s") % key)
    return errors


def robot_kind(url: str) -> str:
    if "qyapi.weixin.qq.com" in url:
        return "wecom"
    if "dingtalk.com" in url:
        return "dingtalk"
    return "webhook"


def _person_targets(person: Person) -> list[Target]:
    targets = []
    preferred = set(person.preferred_channels or [])
    if person.user_id:
        targets.append(Target(channel="inbox", name=person.name, user_id=person.user_id, person_id=person.pk))
    if person.email and ("email" in preferred or not person.user_id):
        targets.append(Target(channel="email", name=person.name, address=person.email, person_id=person.pk))
    if person.phone and "sms" in preferred:
        targets.append(Target(channel="sms", name=person.name, address=person.phone, person_id=person.pk))
    return targets


def _group_targets(team: Team | None) -> list[Target]:
    if team is None:
        return []
    targets = []
    if team.webhook_url:
        targets.append(Target(channel=robot_kind(team.webhook_url), name=team.name, address=team.webhook_url))
    if team.mailbox:
        targets.append(Target(channel="email", name=team.name, address=team.mailbox))
    return targets


def _people(key: str, incident: Any) -> tuple[list[Person], list[Target]]:
    """The people an audience key names, and any shared targets (group robot, mailbox) it carries."""
    leadership = Team.Code.LEADERSHIP
    if key == "leadership_deciders":
        return list(team_selectors.leadership_deciders()), []
    if key == "leadership":
        team = Team.objects.filter(code=leadership).first()
        members = team_selectors.people_of_team(team_code=leadership)
        acting = (
            team_selectors.leadership_deciders()
        )  # an acting leader from outside the group is reached too
        return list((members | acting).distinct()), _group_targets(team)
    if key in ("leader", "deputy"):
        role = Membership.Role.LEADER if key == "leader" else Membership.Role.DEPUTY
        return list(team_selectors.holders_of(role=role)), []  # the acting leader too, during their period
    if key in ("lead_group", "lead_group_lead"):
        code = incident.lead_group.code if incident is not None and incident.lead_group_id else None
        return (
            _people(f"{'group' if key == 'lead_group' else 'group_lead'}:{code}", None) if code else ([], [])
        )
    if key == "missing_approvers":
        return _missing_approvers(incident)
    if key == "activation_deciders":  # who may activate or decline this report: ``policies.may_decide``
        deciders = team_selectors.leadership_deciders().select_related("user")
        return _allowed(policies.may_decide, incident, deciders), []
    if key == "leadership_informed":
        # the rest of the Leadership Group and its robot: told of the report, asked nothing; not the reporter
        people, shared = _people("leadership", incident)
        told = {p.pk for p in _people("activation_deciders", incident)[0]}
        reporter = getattr(incident, "reported_by_id", None)
        return [p for p in people if p.pk not in told and (reporter is None or p.user_id != reporter)], shared
    if key == "investigators":  # named at ``investigate`` (Art. 19)
        return (list(incident.investigators.filter(is_active=True)) if incident is not None else []), []
    if key == "on_scene_commander":  # named at ``execute`` (Art. 10)
        commander = getattr(incident, "on_scene_commander", None) if incident is not None else None
        return ([commander] if commander is not None and commander.is_active else []), []
    prefix, _sep, value = key.partition(":")
    if prefix == "group":
        team = Team.objects.filter(code=value).first()
        return list(team_selectors.people_of_team(team_code=value)), _group_targets(team)
    if prefix == "group_lead":
        lead = team_selectors.team_lead(team_code=value)
        return ([lead] if lead else []), []
    if prefix == "party":
        party = team_selectors.party(kind=value)
        if party is None:
            return [], []
        shared = []
        if party.mailbox:
            shared.append(Target(channel="email", name=str(party), address=party.mailbox))
        if party.webhook_url:
            shared.append(
                Target(channel=robot_kind(party.webhook_url), name=str(party), address=party.webhook_url)
            )
        return ([party.person] if party.person and party.person.is_active else []), shared
    if prefix == "person" and value.isdigit():
        return list(Person.objects.filter(pk=int(value), is_active=True)), []
    if prefix == "user" and value.isdigit():
        person = Person.objects.filter(user_id=int(value)).first()
        if person is not None:
            return [person], []
        user = get_user_model().objects.filter(pk=int(value)).first()
        return [], ([Target(channel="inbox", name=user.get_username(), user_id=user.pk)] if user else [])
    return [], []


def _missing_approvers(incident: Any) -> tuple[list[Person], list[Target]]:
    if incident is None:
        return [], []
    from incidents import selectors as incident_selectors

    approved = {a.slot for a in incident_selectors.termination_approvals_in_round(incident=incident)}
    people: list[Person] = []
    shared: list[Target] = []
    for slot in incident.required_approval_slots:
        if slot in approved:
            continue
        key = "leadership_deciders" if slot == "leadership" else f"party:{slot}"
        more_people, more_shared = _people(key, incident)
        people += more_people
        shared += more_shared
    # the one rule the approval itself uses: never the requester (four-eyes), once per round each
    return _allowed(policies.may_approve_termination, incident, people), shared


def _allowed(policy: Any, incident: Any, people: Iterable[Person]) -> list[Person]:
    """Those of ``people`` whom ``policy`` (an ``incidents.policies`` check) lets take the decision a call
    asks of them: a decision call goes to no one who could not then take it (the reporter, the requester).
    A person without an account is kept: the roles the call chose them by stand."""
    if incident is None:
        return list(people)
    allowed = []
    for person in people:
        user = person.user if person.user_id else None
        if user is None or policy(incident, user):
            allowed.append(person)
    return allowed


# Inside ``resolved_once()``: audiences already resolved in this block, by their keys.
_memo: ContextVar[dict[tuple[str, ...], list[tuple[str, Target]]] | None] = ContextVar(
    "audience_memo", default=None
)


@contextmanager
def resolved_once() -> Iterator[None]:
    """For one short transaction that writes many notifications (the sweep firing an incident's due timers):
    an audience naming no incident-relative key resolves once, not once per notification. Keys about the
    incident (``INCIDENT_KEYS``) are always resolved afresh — an action before may have changed them."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def resolve(audience: list[str], incident: Any = None) -> list[tuple[str, Target]]:
    """Every (audience key, target) pair, each target once per call (a person in two groups hears once)."""
    memo = _memo.get()
    key = tuple(audience)
    if memo is None or any(k in INCIDENT_KEYS for k in key):
        return _resolve(audience, incident)
    if key not in memo:
        memo[key] = _resolve(audience, incident)
    return memo[key]


def _resolve(audience: list[str], incident: Any) -> list[tuple[str, Target]]:
    from escalation.models import NotificationChannel

    seen: set[tuple[str, Any]] = set()
    resolved: list[tuple[str, Target]] = []
    channels = list(NotificationChannel.objects.filter(is_active=True))
    for key in audience:
        people, shared = _people(key, incident)
        targets = [t for person in people for t in _person_targets(person)] + shared
        for channel in channels:
            if key in (channel.audiences or []) or "*" in (channel.audiences or []):
                targets.append(
                    Target(
                        channel=channel.kind, name=channel.name, address=channel.target, secret=channel.secret
                    )
                )
        for target in targets:
            if target.key not in seen:
                seen.add(target.key)
                resolved.append((key, target))
    return resolved
