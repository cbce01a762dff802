"""Monitored systems (the registry integrators report on) and their status events (Art. 2, 7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SystemStatus(models.TextChoices):
    UP = "up", _("正常")
    DOWN = "down", _("故障")
    UNKNOWN = "unknown", _("未知")


class MonitoredSystem(models.Model):
    """Only registered systems may report: an unknown name is refused (400), so a typo in an integrator's
    configuration shows at once instead of opening incidents about a system nobody knows."""

    code = models.SlugField(_("代码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    owning_group = models.CharField(_("负责工作小组"), max_length=20, default="phone")
    is_active = models.BooleanField(_("启用"), default=True)
    status = models.CharField(
        _("当前状态"), max_length=10, choices=SystemStatus.choices, default=SystemStatus.UNKNOWN
    )
    status_since = models.DateTimeField(_("状态开始时间"), null=True, blank=True)
    current_incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("当前故障事件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("受监测系统")
        verbose_name_plural = _("受监测系统")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SystemEvent(models.Model):
    class Outcome(models.TextChoices):
        OPENED = "opened", _("新开故障事件")
        REUSED = "reused", _("并入进行中的事件")
        RECOVERED = "recovered", _("恢复")
        RECORDED = "recorded", _("仅记录")

    system = models.ForeignKey(
        MonitoredSystem, verbose_name=_("系统"), on_delete=models.PROTECT, related_name="events"
    )
    status = models.CharField(_("状态"), max_length=10, choices=SystemStatus.choices)
    at = models.DateTimeField(_("发生时间"))
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    outcome = models.CharField(_("处理结果"), max_length=20, choices=Outcome.choices)
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("事件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送方"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("系统状态事件")
        verbose_name_plural = _("系统状态事件")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.system_id} {self.status} @ {self.at:%Y-%m-%d %H:%M:%S}"
