"""Art. 14 (3): evacuation by the safety passages, and a roll call so that everyone is accounted for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RollCall(models.Model):
    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="roll_calls"
    )
    assembly_point = models.CharField(_("集合地点"), max_length=200)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("开始时间"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("撤离点名")
        verbose_name_plural = _("撤离点名")
        ordering = ["incident_id", "-started_at"]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.assembly_point}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RollCallEntry(models.Model):
    class Status(models.TextChoices):
        UNKNOWN = "unknown", pgettext_lazy("点名", "未确认")
        SAFE = "safe", _("已到")
        ABSENT = "absent", _("不在岗（已确认安全）")
        MISSING = "missing", _("失联")

    roll_call = models.ForeignKey(RollCall, on_delete=models.CASCADE, related_name="entries")
    person = models.ForeignKey(
        "teams.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.UNKNOWN)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    marked_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("点名记录")
        verbose_name_plural = _("点名记录")
        ordering = ["roll_call_id", "person__name"]
        constraints = [models.UniqueConstraint(fields=["roll_call", "person"], name="one_entry_per_person")]

    def __str__(self) -> str:
        return f"{self.person}: {self.status}"

    @property
    def accounted_for(self) -> bool:
        return self.status in (self.Status.SAFE, self.Status.ABSENT)
