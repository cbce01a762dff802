"""Who a user is in the emergency organisation — the one place that answers "may this person do X".

Roles come from the organisation (teams/ data), not from hand-kept permission flags, so moving a
person between groups in the admin changes what they may do at once. Later apps ask questions of an
``OrgActor`` (``actor.is_leadership_decider``, ``actor.leads(team_code)``) and never look at
memberships themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

AUDITOR_GROUP = "auditor"
INTEGRATOR_GROUP = "integrator"

# UI names of the roles of DESIGN §1 / §9, keyed by the code used in timeline entries.
ROLE_LABELS = {
    "leader": _("组长（总经理）"),
    "deputy": _("副组长（现场主管）"),
    "leadership_member": _("领导小组成员"),
    "group_lead": _("工作小组组长"),
    "agent": _("组员/坐席"),
    "building_security": _("大厦安全保卫负责人"),
    "hq_general_office": _("总行办公室"),
    "auditor": _("审计人员"),
    "integrator": _("系统接入方"),
    "admin": _("系统管理员"),
    "system": _("系统"),
}


@dataclass(frozen=True)
class OrgActor:
    user_id: int | None
    person_id: int | None = None
    display_name: str = ""
    is_leader: bool = False
    is_deputy: bool = False
    is_leadership_member: bool = False
    led_groups: frozenset[str] = field(default_factory=frozenset)
    member_groups: frozenset[str] = field(default_factory=frozenset)
    parties: frozenset[str] = field(default_factory=frozenset)
    is_auditor: bool = False
    is_integrator: bool = False
    is_admin: bool = False
    is_system: bool = False

    @property
    def is_leadership_decider(self) -> bool:
        """Leader or deputy leader: the people who decide activation (Art. 9) and approve termination."""
        return self.is_leader or self.is_deputy

    @property
    def in_leadership_group(self) -> bool:
        return self.is_leader or self.is_deputy or self.is_leadership_member

    @property
    def in_any_working_group(self) -> bool:
        return bool(self.led_groups or self.member_groups)

    def leads(self, team_code: str | None) -> bool:
        return team_code is not None and team_code in self.led_groups

    def belongs_to(self, team_code: str | None) -> bool:
        return team_code is not None and (team_code in self.led_groups or team_code in self.member_groups)

    @property
    def may_read_desk(self) -> bool:
        """Who reads the desk — incidents, their figures, reports and statistics: everyone in the emergency
        organisation (Leadership Group, working groups, co-approvers and notified parties), auditors and
        admins; the plan is run in the open inside the centre. Integrators push figures and read nothing."""
        return bool(
            self.is_auditor
            or self.is_admin
            or self.in_leadership_group
            or self.in_any_working_group
            or self.parties
        )

    @property
    def is_read_only(self) -> bool:
        """Auditors read everything and write nothing, whatever else they might also be."""
        return self.is_auditor

    @property
    def role_codes(self) -> list[str]:
        codes = []
        if self.is_system:
            codes.append("system")
        if self.is_leader:
            codes.append("leader")
        if self.is_deputy:
            codes.append("deputy")
        if self.is_leadership_member:
            codes.append("leadership_member")
        if self.led_groups:
            codes.append("group_lead")
        if self.member_groups:
            codes.append("agent")
        codes.extend(sorted(self.parties & {"building_security", "hq_general_office"}))
        if self.is_auditor:
            codes.append("auditor")
        if self.is_integrator:
            codes.append("integrator")
        if self.is_admin:
            codes.append("admin")
        return codes

    @property
    def primary_role(self) -> str:
        """The role written on a timeline entry: the most senior one the actor holds."""
        codes = self.role_codes
        return codes[0] if codes else ""

    @property
    def role_labels(self) -> list[str]:
        return [str(ROLE_LABELS[code]) for code in self.role_codes]


SYSTEM_ACTOR = OrgActor(user_id=None, display_name="系统", is_system=True)
ANONYMOUS_ACTOR = OrgActor(user_id=None)
