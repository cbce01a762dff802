"""Writes to the organisation. ``organisation_load`` replaces the whole organisation atomically."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .forms import ActingLeaderForm
from .models import ActingLeader, Membership, Party, Person, Team
from .roles import AUDITOR_GROUP, INTEGRATOR_GROUP
from .validation import team_role_errors

TEAM_NAMES = dict(Team.Code.choices)


class OrganisationFileError(Exception):
    """A problem in an organisation file, with the line it was found on when known."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping, so errors can name it."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping: dict[str, Any] = {
        str(key): value for key, value in loader.construct_mapping(node, deep=True).items()
    }
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class LoadResult:
    people: int
    memberships: int
    parties: int


def organisation_load_file(*, path: Path) -> LoadResult:
    text = path.read_text(encoding="utf-8")
    try:
        # JSON is YAML, so one parser reads both and gives line numbers for both.
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("第 %(line)d 行") % {"line": mark.line + 1} if mark else ""
        raise OrganisationFileError([f"{where} {_('文件格式错误')}: {getattr(exc, 'problem', exc)}"]) from exc
    if not isinstance(data, dict):
        raise OrganisationFileError(
            [_("组织文件的顶层必须是一个映射（people / leadership / groups / parties）")]
        )
    return organisation_load(data=data)


def _at(item: Any) -> str:
    line = item.get("__line__") if isinstance(item, dict) else None
    return _("第 %(line)d 行") % {"line": line} if line else ""


@transaction.atomic
def organisation_load(*, data: dict[str, Any]) -> LoadResult:
    """Replace the organisation with ``data``. Validates everything first; on any error nothing changes."""
    errors: list[str] = []
    people_data = data.get("people") or []
    keys: dict[str, dict[str, Any]] = {}
    for item in people_data:
        if not isinstance(item, dict) or not item.get("key") or not item.get("name"):
            errors.append(f"{_at(item)} people: {_('每个人员都需要 key 和 name')}")
            continue
        if item["key"] in keys:
            errors.append(f"{_at(item)} people: {_('重复的 key')} “{item['key']}”")
        line = item.get("line", Person.Line.FIRST)
        if line not in Person.Line.values:
            errors.append(f"{_at(item)} people.{item['key']}.line: {_('只能是 first 或 second')}")
        channels = set(item.get("channels") or [])
        if channels - set(Person.Channel.values):
            errors.append(f"{_at(item)} people.{item['key']}.channels: {_('未知的通知渠道')}")
        keys[item["key"]] = item

    def person_ref(ref: Any, where: str) -> str | None:
        if ref not in keys:
            errors.append(f"{where}: {_('未定义的人员')} “{ref}”")
            return None
        return str(ref)

    assignments: list[tuple[str, str, str]] = []  # (team_code, person_key, role)
    leadership = data.get("leadership") or {}
    lead_at = _at(leadership)
    for role_key, role in (("leader", Membership.Role.LEADER), ("deputy", Membership.Role.DEPUTY)):
        if leadership.get(role_key):
            ref = person_ref(leadership[role_key], f"{lead_at} leadership.{role_key}")
            if ref:
                assignments.append((Team.Code.LEADERSHIP, ref, role))
    for ref in leadership.get("members") or []:
        if person_ref(ref, f"{lead_at} leadership.members"):
            assignments.append((Team.Code.LEADERSHIP, ref, Membership.Role.MEMBER))
    unknown_keys = set(leadership) - {"leader", "deputy", "members", "__line__"}
    for key in sorted(unknown_keys):
        errors.append(f"{lead_at} leadership.{key}: {_('未知的职务')}")

    groups = data.get("groups") or {}
    for code in sorted(set(groups) - {"__line__"}):
        group = groups[code] or {}
        where = _at(group) or _at(groups)
        if code not in Team.WORKING_GROUPS:
            errors.append(f"{where} groups.{code}: {_('未知的工作小组')}")
            continue
        for key in sorted(set(group) - {"lead", "members", "mailbox", "webhook_url", "__line__"}):
            errors.append(f"{where} groups.{code}.{key}: {_('未知的职务')}")
        if group.get("lead") and person_ref(group["lead"], f"{where} groups.{code}.lead"):
            assignments.append((code, group["lead"], Membership.Role.LEAD))
        for ref in group.get("members") or []:
            if person_ref(ref, f"{where} groups.{code}.members"):
                assignments.append((code, ref, Membership.Role.MEMBER))

    seen: dict[tuple[str, str], str] = {}
    for team_code, ref, role_code in assignments:
        if (team_code, ref) in seen:
            errors.append(
                _("%(person)s 在%(team)s中同时担任两个职务") % {"person": ref, "team": TEAM_NAMES[team_code]}
            )
        seen[(team_code, ref)] = role_code
    for team_code in [Team.Code.LEADERSHIP, *Team.WORKING_GROUPS]:
        roles = [role for code, _ref, role in assignments if code == team_code]
        for message in team_role_errors(team_code=team_code, roles=roles):
            errors.append(f"{TEAM_NAMES[team_code]}: {message}")

    parties = data.get("parties") or {}
    for kind in sorted(set(parties) - {"__line__"}):
        spec = parties[kind] or {}
        where = _at(spec) or _at(parties)
        if kind not in Party.Kind.values:
            errors.append(f"{where} parties.{kind}: {_('未知的协同方类别')}")
            continue
        if spec.get("person"):
            person_ref(spec["person"], f"{where} parties.{kind}.person")
        elif kind in Party.CO_APPROVER_KINDS:
            errors.append(f"{where} parties.{kind}: {_('协同审批方必须指定具体人员')}")
        elif not spec.get("mailbox"):
            errors.append(f"{where} parties.{kind}: {_('请指定负责人或邮箱')}")
    for ref in (data.get("auditors") or []) + (data.get("integrators") or []):
        person_ref(ref, "auditors/integrators")

    if errors:
        raise OrganisationFileError(errors)

    User = get_user_model()
    people: dict[str, Person] = {}
    for key, item in keys.items():
        user = None
        if item.get("username"):
            user, _created = User.objects.get_or_create(username=item["username"])
        lookup = {"user": user} if user else {"name": item["name"], "user__isnull": True}
        person = Person.objects.filter(**lookup).first() or Person(user=user)
        person.name = item["name"]
        person.phone = str(item.get("phone") or "")
        person.email = item.get("email") or ""
        person.preferred_channels = list(item.get("channels") or ["inbox"])
        person.line = item.get("line", Person.Line.FIRST)
        person.rotation_group = item.get("rotation_group", "")
        person.skills = item.get("skills", "")
        person.save()
        if user is not None and person.email and user.email != person.email:
            user.email = person.email
            user.save(update_fields=["email"])
        people[key] = person

    teams: dict[str, Team] = {}
    for code, name in Team.Code.choices:
        spec = groups.get(code) or {}
        team, _created = Team.objects.update_or_create(
            code=str(code),
            defaults={
                "name": str(name),
                "mailbox": spec.get("mailbox", ""),
                "webhook_url": spec.get("webhook_url", ""),
            },
        )
        teams[code] = team
    Membership.objects.all().delete()
    Membership.objects.bulk_create(
        Membership(team=teams[code], person=people[ref], role=role) for code, ref, role in assignments
    )

    Party.objects.exclude(kind__in=[k for k in parties if k != "__line__"]).delete()
    for kind, spec in parties.items():
        if kind == "__line__":
            continue
        spec = spec or {}
        Party.objects.update_or_create(
            kind=kind,
            defaults={
                "person": people.get(str(spec.get("person"))),
                "mailbox": spec.get("mailbox", ""),
                "webhook_url": spec.get("webhook_url", ""),
            },
        )

    for group_name, refs in (
        (AUDITOR_GROUP, data.get("auditors")),
        (INTEGRATOR_GROUP, data.get("integrators")),
    ):
        group, _created = Group.objects.get_or_create(name=group_name)
        for ref in refs or []:
            user = people[ref].user
            if user is not None:
                user.groups.add(group)

    return LoadResult(
        people=len(people), memberships=len(assignments), parties=len(parties) - ("__line__" in parties)
    )


# --- acting leaders ------------------------------------------------------------------------------------


@transaction.atomic
def acting_leader_appoint(*, user: Any, data: dict[str, Any]) -> ActingLeader:
    """The leader or the deputy names someone to act for them for a period, with a reason. The acting person
    gets the decider's rights for that period (``selectors.actor_for``); four-eyes still applies to them."""
    from .selectors import actor_for

    actor = actor_for(user)
    if actor.is_read_only or not (actor.is_leader or actor.is_deputy) or actor.person_id is None:
        raise PermissionDenied(_("只有组长或副组长本人可以指定代理人。"))
    form = ActingLeaderForm(data)
    if not form.is_valid():
        raise ValidationError(dict(form.errors))
    cleaned = form.cleaned_data
    person = cleaned["person"]
    if person.pk == actor.person_id:
        raise ValidationError({"person": [_("不能指定自己为代理人。")]})
    acting_actor = actor_for(person.user)
    if acting_actor.is_read_only or acting_actor.is_integrator:
        raise ValidationError({"person": [_("审计人员和系统接入方不能代理。")]})
    return ActingLeader.objects.create(
        person=person,
        acts_for=ActingLeader.Role.LEADER if actor.is_leader else ActingLeader.Role.DEPUTY,
        acts_for_person_id=actor.person_id,
        starts_at=cleaned["starts_at"],
        ends_at=cleaned["ends_at"],
        reason=cleaned["reason"],
        appointed_by=user,
    )


@transaction.atomic
def acting_leader_end(*, user: Any, acting_id: int) -> ActingLeader:
    """End an acting period early: the leader or the deputy (kept, with the time it ended)."""
    from .selectors import actor_for

    actor = actor_for(user)
    if actor.is_read_only or not (actor.is_leader or actor.is_deputy):
        raise PermissionDenied(_("只有组长或副组长本人可以结束代理。"))
    acting = ActingLeader.objects.select_for_update().filter(pk=acting_id, ended_at__isnull=True).first()
    if acting is None:
        raise ValidationError({"acting": [_("该代理不存在或已结束。")]})
    acting.ended_at = timezone.now()
    acting.save(update_fields=["ended_at"])
    return acting
