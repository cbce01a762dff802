from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    """The Leadership Group or one of the three working groups (Art. 6)."""

    class Code(models.TextChoices):
        LEADERSHIP = "leadership", _("紧急事件应急处置领导小组")
        PHONE = "phone", _("电话接通应急工作小组")
        COMPLAINT = "complaint", _("重大投诉应急工作小组")
        SUDDEN = "sudden", _("突发事件应急工作小组")

    WORKING_GROUPS = (Code.PHONE, Code.COMPLAINT, Code.SUDDEN)

    code = models.CharField(_("代码"), max_length=20, choices=Code.choices, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    mailbox = models.EmailField(_("小组邮箱"), blank=True)
    webhook_url = models.URLField(_("群机器人地址"), blank=True)

    class Meta:
        verbose_name = _("小组")
        verbose_name_plural = _("小组")
        ordering = ["id"]

    def __str__(self) -> str:
        # The four teams are the plan's own (Art. 6): shown in the reader's language, whatever `name` holds.
        return str(self.get_code_display()) if self.code in self.Code.values else self.name

    @property
    def is_leadership(self) -> bool:
        return self.code == self.Code.LEADERSHIP


class Membership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("组长（总经理）")
        DEPUTY = "deputy", _("副组长（现场主管）")
        LEAD = "lead", _("工作小组组长")
        MEMBER = "member", _("成员")

    LEADERSHIP_ROLES = (Role.LEADER, Role.DEPUTY, Role.MEMBER)
    WORKING_GROUP_ROLES = (Role.LEAD, Role.MEMBER)

    team = models.ForeignKey(
        Team, verbose_name=_("小组"), on_delete=models.CASCADE, related_name="memberships"
    )
    person = models.ForeignKey(
        "teams.Person", verbose_name=_("人员"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("职务"), max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("小组成员")
        verbose_name_plural = _("小组成员")
        constraints = [
            # A person holds one role per team: "leader and deputy at once" is refused by the database too.
            models.UniqueConstraint(fields=["team", "person"], name="one_role_per_person_per_team"),
            models.UniqueConstraint(
                fields=["team", "role"],
                condition=models.Q(role__in=["leader", "deputy", "lead"]),
                name="one_holder_per_head_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.get_role_display()} · {self.person}"
