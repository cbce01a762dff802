from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time something the desk depends on was seen alive (``timers_sweep``, the active
    scheduler, the last health alert). One row per name, overwritten; the age is what /healthz reads."""

    name = models.CharField(_("名称"), max_length=40, primary_key=True)
    beat_at = models.DateTimeField(_("最近时间"))
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("运行心跳")
        verbose_name_plural = _("运行心跳")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
