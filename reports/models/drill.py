"""Drill records (Art. 6 "regular drills"): what was drilled, who took part, and how it went."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DrillRecord(models.Model):
    incident = models.OneToOneField(
        "incidents.Incident",
        verbose_name=_("演练事件"),
        on_delete=models.PROTECT,
        related_name="drill_record",
    )
    held_at = models.DateTimeField(_("演练时间"))
    content = models.TextField(_("演练内容"))
    participants = models.ManyToManyField(
        "teams.Person", verbose_name=_("参演人员"), blank=True, related_name="+"
    )
    participants_note = models.TextField(_("其他参演人员"), blank=True)
    evaluation = models.TextField(_("演练评估"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("演练记录")
        verbose_name_plural = _("演练记录")
        ordering = ["-held_at"]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.held_at:%Y-%m-%d}"
