"""Early-warning rules (admin-editable, DESIGN §5) and the warnings they raised. Every warning keeps the
threshold and the figure it judged, as they were at that moment: editing a rule later changes nothing
already recorded."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    ANSWER_RATE_BELOW = "answer_rate_below", _("接通率低于阈值")
    SERVICE_LEVEL_BELOW = "service_level_below", _("服务水平低于阈值")
    ABANDONMENT_ABOVE = "abandonment_above", _("放弃率高于阈值")
    COMPLAINTS_ABOVE = "complaints_above", _("每小时客户投诉量高于阈值")
    SYSTEM_DOWN = "system_down", _("系统故障")


# The figure each interval rule judges, and which way the threshold is crossed.
RATE_OF_KIND: dict[str, tuple[str, str]] = {
    RuleKind.ANSWER_RATE_BELOW: ("answer_rate", "lt"),
    RuleKind.SERVICE_LEVEL_BELOW: ("service_level", "lt"),
    RuleKind.ABANDONMENT_ABOVE: ("abandonment_rate", "gt"),
    RuleKind.COMPLAINTS_ABOVE: ("complaints_per_hour", "gt"),
}


class EarlyWarningRule(models.Model):
    code = models.SlugField(_("代码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=30, choices=RuleKind.choices)
    threshold = models.DecimalField(
        _("阈值"),
        max_digits=9,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("比率用小数（0.70 即 70%）；投诉量为每小时件数；系统故障规则不用阈值。"),
    )
    consecutive = models.PositiveSmallIntegerField(
        _("连续时段数"), default=1, help_text=_("连续多少个时段越过阈值才触发。")
    )
    min_offered = models.PositiveIntegerField(
        _("最小呼入量"), default=20, help_text=_("呼入量低于此数的时段不作判断（样本太小），并中断连续计数。")
    )
    queue_codes = models.CharField(
        _("适用队列"), max_length=200, blank=True, help_text=_("以逗号分隔的队列代码；留空表示全部队列。")
    )
    category = models.CharField(_("事件类别"), max_length=30, default="service_level")
    audience = models.CharField(
        _("通知对象"),
        max_length=200,
        blank=True,
        help_text=_("逗号分隔，如 group:phone；留空则通知队列或系统的负责工作小组。"),
    )
    enabled = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def applies_to(self, queue_code: str) -> bool:
        codes = {code.strip() for code in self.queue_codes.split(",") if code.strip()}
        return not codes or queue_code in codes


class EarlyWarning(models.Model):
    """One firing of a rule: what it judged, against which threshold, and where it went."""

    class Outcome(models.TextChoices):
        DECLARED = "declared", _("新开监测预警事件")
        APPENDED = "appended", _("追加到进行中的事件")
        RECORDED = "recorded", _("仅记录")

    rule = models.ForeignKey(
        EarlyWarningRule, verbose_name=_("规则"), on_delete=models.PROTECT, related_name="warnings"
    )
    rule_code = models.CharField(_("规则代码"), max_length=50)
    kind = models.CharField(_("类型"), max_length=30, choices=RuleKind.choices)
    queue = models.ForeignKey(
        "monitoring.Queue",
        verbose_name=_("队列"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="warnings",
    )
    system = models.ForeignKey(
        "monitoring.MonitoredSystem",
        verbose_name=_("系统"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="warnings",
    )
    interval_start = models.DateTimeField(_("触发时段"), null=True, blank=True)
    at = models.DateTimeField(_("预警时间"))
    comparison = models.CharField(_("比较"), max_length=2, blank=True)
    threshold = models.DecimalField(_("阈值"), max_digits=9, decimal_places=4, null=True, blank=True)
    consecutive = models.PositiveSmallIntegerField(_("连续时段数"), default=1)
    figure = models.FloatField(_("判断的数值"), null=True, blank=True)
    evidence = models.JSONField(_("证据"), default=dict)
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("事件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(_("处理结果"), max_length=20, choices=Outcome.choices)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预警记录")
        verbose_name_plural = _("预警记录")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "queue", "interval_start"],
                condition=models.Q(queue__isnull=False),
                name="warning_one_per_rule_queue_interval",
            ),
        ]
        indexes = [models.Index(fields=["queue", "interval_start"], name="warning_queue_interval")]

    def __str__(self) -> str:
        return f"{self.rule_code} {self.at:%Y-%m-%d %H:%M}"
