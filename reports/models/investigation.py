"""The post-incident investigation (Art. 19–21): causes, consequences, accountability and lessons."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Investigation(models.Model):
    incident = models.OneToOneField(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="investigation"
    )
    # Art. 19: the cause, and whether it lies inside the centre.
    direct_cause = models.TextField(_("直接原因"), blank=True)
    root_cause = models.TextField(_("根本原因"), blank=True)
    is_internal_cause = models.BooleanField(_("内部原因"), null=True, blank=True)
    # Consequences. Duration is computed from the record; the figures below are what the timeline can't know.
    consequences = models.TextField(_("后果"), blank=True)
    customers_affected = models.PositiveIntegerField(_("受影响客户数"), null=True, blank=True)
    financial_loss = models.DecimalField(
        _("资金损失（元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    answer_rate_impact = models.TextField(
        _("接通率影响"), blank=True, help_text=_("无监测数据时手工填写，例如：最低 42%，低于 70% 共 5 个时段")
    )
    # Art. 21 accountability findings. ``late_report`` starts as the computed late-report flag.
    late_report = models.BooleanField(_("缓报"), null=True, blank=True)
    concealed_report = models.BooleanField(_("隐瞒不报"), default=False)
    false_report = models.BooleanField(_("谎报"), default=False)
    measures_not_taken = models.TextField(_("未采取应急措施"), blank=True)
    orders_refused = models.TextField(_("拒不执行指挥命令"), blank=True)
    findings_note = models.TextField(_("责任认定说明"), blank=True)
    # Art. 20: discipline, and referral to the police where a crime is suspected.
    discipline = models.TextField(_("纪律处分"), blank=True)
    police_referral = models.BooleanField(_("移送公安机关"), default=False)
    police_referral_note = models.TextField(_("移送情况"), blank=True)
    lessons_learned = models.TextField(_("经验教训"), blank=True)

    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("事后调查")
        verbose_name_plural = _("事后调查")

    def __str__(self) -> str:
        return f"#{self.incident_id}"

    # What ``close`` requires (Art. 19: cause, internal or not, consequences, lessons).
    REQUIRED_FIELDS = ("direct_cause", "root_cause", "is_internal_cause", "consequences", "lessons_learned")
    # Every field an investigator may write through ``reports.services.investigation_update``.
    EDITABLE_FIELDS = (
        *REQUIRED_FIELDS,
        "customers_affected",
        "financial_loss",
        "answer_rate_impact",
        "late_report",
        "concealed_report",
        "false_report",
        "measures_not_taken",
        "orders_refused",
        "findings_note",
        "discipline",
        "police_referral",
        "police_referral_note",
    )

    def missing_fields(self) -> list[str]:
        return [name for name in self.REQUIRED_FIELDS if getattr(self, name) in ("", None)]


class ResponsiblePerson(models.Model):
    """A person held responsible (Art. 20–21), directly or indirectly."""

    class Responsibility(models.TextChoices):
        DIRECT = "direct", _("直接责任")
        INDIRECT = "indirect", _("间接责任")

    investigation = models.ForeignKey(
        Investigation, verbose_name=_("事后调查"), on_delete=models.PROTECT, related_name="responsible"
    )
    person = models.ForeignKey(
        "teams.Person",
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=100)
    responsibility = models.CharField(_("责任"), max_length=10, choices=Responsibility.choices)
    description = models.TextField(_("责任说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("责任人")
        verbose_name_plural = _("责任人")
        ordering = ["investigation_id", "responsibility", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_responsibility_display()})"
