"""Corrective and preventive actions (Art. 19 防范控制措施; ISO 22301 10.1), each followed to closure."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CorrectiveAction(models.Model):
    class Kind(models.TextChoices):
        CORRECTIVE = "corrective", _("纠正措施")
        PREVENTIVE = "preventive", _("预防措施")

    class Status(models.TextChoices):
        OPEN = "open", _("未开始")
        IN_PROGRESS = "in_progress", _("进行中")
        DONE = "done", _("已完成")

    class Retest(models.TextChoices):
        NOT_DONE = "", _("未复测")
        PASSED = "passed", _("复测通过")
        FAILED = "failed", _("复测未通过")

    investigation = models.ForeignKey(
        "reports.Investigation", verbose_name=_("事后调查"), on_delete=models.PROTECT, related_name="actions"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.CORRECTIVE)
    title = models.CharField(_("措施"), max_length=300)
    owner = models.ForeignKey(
        "teams.Person", verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    closure_evidence = models.TextField(_("完成证据"), blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    retest = models.CharField(_("复测"), max_length=10, choices=Retest.choices, default="", blank=True)
    retest_note = models.TextField(_("复测说明"), blank=True)
    retested_at = models.DateTimeField(_("复测时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("整改措施")
        verbose_name_plural = _("整改措施")
        ordering = ["investigation_id", "due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="action_status_due")]

    def __str__(self) -> str:
        return self.title

    # the measure-owner rule (``incidents.policies.may_complete_measure``) reads ``owner`` and these two
    owner_role = ""

    @property
    def due_at(self) -> datetime:
        """When the action becomes overdue: the first moment after its due date, local time."""
        day_after = self.due_date + timedelta(days=1)
        return timezone.make_aware(datetime.combine(day_after, time.min), timezone.get_current_timezone())

    def is_overdue(self, today: date) -> bool:
        return self.status != self.Status.DONE and self.due_date < today
