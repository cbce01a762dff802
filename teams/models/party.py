from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Party(models.Model):
    """A co-approver or a notification-only party, each a named person or a mailbox (DESIGN §1)."""

    class Kind(models.TextChoices):
        BUILDING_SECURITY = "building_security", _("大厦安全保卫负责人")  # co-approves sudden (Art. 16)
        HQ_GENERAL_OFFICE = "hq_general_office", _("总行办公室")  # co-approves complaint (Art. 17)
        TECH_SUPPORT = "tech_support", _("系统维护和技术支持部门")  # Art. 7
        LEGAL = "legal", _("法律事务管理部门")  # Art. 14-bis 4
        HQ_SERVICE_MANAGEMENT = "hq_service_management", _("总行服务管理部门")  # Art. 14-bis 5
        REGULATOR_LIAISON = "regulator_liaison", _("监管联络人")  # Art. 10

    CO_APPROVER_KINDS = (Kind.BUILDING_SECURITY, Kind.HQ_GENERAL_OFFICE)

    kind = models.CharField(_("类别"), max_length=30, choices=Kind.choices, unique=True)
    person = models.ForeignKey(
        "teams.Person",
        verbose_name=_("负责人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parties",
    )
    mailbox = models.EmailField(_("邮箱"), blank=True)
    webhook_url = models.URLField(_("群机器人地址"), blank=True)

    class Meta:
        verbose_name = _("协同审批及通知方")
        verbose_name_plural = _("协同审批及通知方")
        ordering = ["kind"]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    @property
    def is_co_approver(self) -> bool:
        return self.kind in self.CO_APPROVER_KINDS

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not self.person_id and not self.mailbox:
            raise ValidationError(_("请指定负责人或邮箱。"))
        if self.is_co_approver and not self.person_id:
            raise ValidationError({"person": _("协同审批方必须是有登录账号的具体人员。")})
