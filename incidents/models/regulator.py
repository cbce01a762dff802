from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegulatorDeadline(models.Model):
    """One deadline the Leadership Group must meet once it decides to report to the regulator (Art. 10;
    DESIGN §5), and its evidence. It ends as met, met late (with the delay) or missed (waived by two
    deciders with a reason) — never silently: ``terminate`` and ``close`` leave it open, and ``close`` is
    refused while one is. The clock that reminds is an escalation timer of the same ``kind``."""

    class Kind(models.TextChoices):
        PHONE = "regulator_phone_report", _("监管电话报告时限")
        WRITTEN = "regulator_written_report", _("监管书面报告时限（Ⅰ级）")
        IMPORTANT_SYSTEM = "regulator_important_system", _("重要信息系统事件报告时限")
        MAJOR_RISK = "regulator_major_risk", _("重大操作风险事件报告时限")

    class Channel(models.TextChoices):
        PHONE = "phone", _("电话")
        WRITTEN = "written", _("书面")
        SYSTEM = "system", _("监管报送系统")

    class Outcome(models.TextChoices):
        OPEN = "open", _("待报送")
        MET = "met", _("按时报送")
        MET_LATE = "met_late", _("逾期报送")
        MISSED = "missed", _("未报送（经豁免）")

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("事件"),
        on_delete=models.PROTECT,
        related_name="regulator_deadlines",
    )
    kind = models.CharField(_("时限"), max_length=40, choices=Kind.choices)
    due_at = models.DateTimeField(_("截止时间"))
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, default=Outcome.OPEN)

    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by_name = models.CharField(_("报送人"), max_length=150, blank=True)
    channel = models.CharField(_("报送方式"), max_length=10, choices=Channel.choices, blank=True)
    office = models.CharField(_("监管部门"), max_length=200, blank=True)
    reference = models.CharField(_("报送编号"), max_length=100, blank=True)
    document = models.ForeignKey(
        "incidents.Attachment",
        verbose_name=_("报送文件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), null=True, blank=True)

    waiver_reason = models.TextField(_("豁免理由"), blank=True)
    waiver_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("豁免申请人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    waiver_requested_by_name = models.CharField(_("豁免申请人姓名"), max_length=150, blank=True)
    waiver_requested_at = models.DateTimeField(_("豁免申请时间"), null=True, blank=True)
    waiver_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("豁免批准人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    waiver_approved_by_name = models.CharField(_("豁免批准人姓名"), max_length=150, blank=True)
    waiver_approved_at = models.DateTimeField(_("豁免批准时间"), null=True, blank=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("监管报告时限")
        verbose_name_plural = _("监管报告时限")
        ordering = ["incident_id", "due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind"], name="one_regulator_deadline_per_kind"),
        ]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.get_kind_display()} {self.get_outcome_display()}"

    @property
    def is_open(self) -> bool:
        return self.outcome == self.Outcome.OPEN

    @property
    def delay_minutes(self) -> int | None:
        delay = self.delay
        return int(delay.total_seconds() // 60) if delay else None

    @property
    def delay(self) -> timedelta | None:
        """How late the submission came (met late), else None."""
        if self.submitted_at is None or self.submitted_at <= self.due_at:
            return None
        return self.submitted_at - self.due_at
