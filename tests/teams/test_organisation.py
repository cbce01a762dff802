"""The organisation (DESIGN §2): loaded from a file atomically, validated the same way in the admin."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from teams.models import Membership, Party, Person, Team
from teams.selectors import actor_for

pytestmark = pytest.mark.django_db

GOOD = """\
people:
  - {key: boss, username: boss, name: 甲总, line: first}
  - {key: dep, username: dep, name: 乙主管}
  - {key: p, name: 丙}
  - {key: c, name: 丁}
  - {key: s, name: 戊, line: second}
  - {key: guard, username: guard, name: 己保卫}
  - {key: hq, username: hq, name: 庚办公室}
leadership: {leader: boss, deputy: dep, members: [p]}
groups:
  phone: {lead: p, members: [c]}
  complaint: {lead: c}
  sudden: {lead: s}
parties:
  building_security: {person: guard}
  hq_general_office: {person: hq}
  legal: {mailbox: legal@bank.example}
"""


def load(tmp_path: Path, text: str) -> str:
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("load_org", str(path), stdout=out)
    return out.getvalue()


def snapshot() -> tuple:
    return (
        sorted(Membership.objects.values_list("team__code", "person__name", "role")),
        sorted(Party.objects.values_list("kind", flat=True)),
    )


def test_load_org_replaces_the_organisation(org, tmp_path):
    assert "Loaded 7 people" in load(tmp_path, GOOD)
    leadership = Team.objects.get(code="leadership")
    assert leadership.memberships.get(role="leader").person.name == "甲总"
    assert sorted(Party.objects.values_list("kind", flat=True)) == [
        "building_security",
        "hq_general_office",
        "legal",
    ]
    boss = get_user_model().objects.get(username="boss")
    assert actor_for(boss).is_leader and not actor_for(boss).is_deputy


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (GOOD.replace("members: [p]}", "members: [p, dep]}"), "同时担任两个职务"),
        (
            GOOD.replace("  complaint: {lead: c}", "  complaint: {members: [c]}"),
            "工作小组必须有且只有一名组长",
        ),
        (
            GOOD.replace("leadership: {leader: boss,", "leadership: {chief: boss, leader: boss,"),
            "leadership.chief",
        ),
        (GOOD.replace("sudden: {lead: s}", "sudden: {lead: nobody}"), "未定义的人员"),
        (
            GOOD.replace("  legal: {mailbox: legal@bank.example}", "  astrologer: {mailbox: a@b.c}"),
            "未知的协同方类别",
        ),
        (GOOD.replace("line: second", "line: third"), "第 6 行"),
        (GOOD.replace("groups:\n", "groups:\n  - oops\n ["), "第"),
    ],
)
def test_a_bad_file_names_the_problem_and_changes_nothing(org, tmp_path, broken, message):
    before = snapshot()
    with pytest.raises(CommandError) as failure:
        load(tmp_path, broken)
    assert message in str(failure.value) and "nothing was changed" in str(failure.value)
    assert snapshot() == before


def test_seed_demo_is_idempotent(org):
    counts = (
        Person.objects.count(),
        Membership.objects.count(),
        Party.objects.count(),
        get_user_model().objects.count(),
    )
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    assert (
        Person.objects.count(),
        Membership.objects.count(),
        Party.objects.count(),
        get_user_model().objects.count(),
    ) == counts
    assert get_user_model().objects.get(username="gm").check_password("demo-pass-2026")


@pytest.mark.parametrize(
    ("username", "roles"),
    [
        ("gm", ["leader"]),
        ("supervisor", ["deputy"]),
        ("phone_lead", ["leadership_member", "group_lead"]),
        ("agent", ["agent"]),
        ("security_head", ["building_security"]),
        ("hq_office", ["hq_general_office"]),
        ("auditor", ["auditor"]),
        ("admin", ["admin"]),
        ("acd", ["integrator"]),
    ],
)
def test_roles_come_from_the_organisation(org, username, roles):
    actor = actor_for(org[username])
    assert actor.role_codes == roles
    assert actor.is_leadership_decider == (username in ("gm", "supervisor"))
    assert actor.leads("phone") == (username == "phone_lead")
    assert actor.is_read_only == (username == "auditor")


def test_moving_a_person_changes_their_role_at_once(org):
    agent = org["agent"]
    phone = Team.objects.get(code="phone")
    phone.memberships.filter(role="lead").delete()
    phone.memberships.filter(person=agent.person).update(role="lead")
    agent.refresh_from_db()
    assert actor_for(agent).leads("phone")


def test_admin_refuses_a_group_without_a_lead(org, client):
    client.force_login(org["admin"])
    phone = Team.objects.get(code="phone")
    memberships = list(phone.memberships.order_by("pk"))
    data = {
        "name": phone.name, "mailbox": phone.mailbox, "webhook_url": "",
        "memberships-TOTAL_FORMS": str(len(memberships)), "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, m in enumerate(memberships):
        data |= {f"memberships-{i}-id": str(m.pk), f"memberships-{i}-team": str(phone.pk),
                 f"memberships-{i}-person": str(m.person_id), f"memberships-{i}-role": "member"}  # fmt: skip
    response = client.post(f"/admin/teams/team/{phone.pk}/change/", data)
    assert response.status_code == 200
    assert "工作小组必须有且只有一名组长" in response.content.decode()
    assert phone.memberships.filter(role="lead").count() == 1
