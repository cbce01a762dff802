"""Per queue and interval call figures (Art. 7), each stored with the formulas of its derived rates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Queue(models.Model):
    """An ACD queue (skill / service type). Registered on the first figure an integrator sends for it;
    the admin sets which working group owns it (who is told when a rule fires on it)."""

    code = models.CharField(_("代码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    owning_group = models.CharField(
        _("负责工作小组"),
        max_length=20,
        default="phone",
        help_text=_("规则触发时通知的工作小组代码（phone、complaint、sudden）。"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("话务队列")
        verbose_name_plural = _("话务队列")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name or self.code


class Formula(models.TextChoices):
    """How a derived rate is computed. Vendors differ, chiefly on the service level's denominator, so each
    figure says which formula produced its rates; rules judge the rate as stored."""

    ANSWERED_OVER_OFFERED = "answered/offered", _("接通量 ÷ 呼入量")
    ANSWERED_OVER_OFFERED_LESS_SHORT = (
        "answered/(offered-short_abandons)",
        _("接通量 ÷（呼入量 − 短时放弃）"),
    )
    WITHIN_OVER_OFFERED = "within_threshold/offered", _("阈值内接通 ÷ 呼入量")
    WITHIN_OVER_ANSWERED = "within_threshold/answered", _("阈值内接通 ÷ 接通量")
    WITHIN_OVER_OFFERED_LESS_SHORT = (
        "within_threshold/(offered-short_abandons)",
        _("阈值内接通 ÷（呼入量 − 短时放弃）"),
    )
    ABANDONED_OVER_OFFERED = "abandoned/offered", _("放弃量 ÷ 呼入量")
    ABANDONED_LESS_SHORT_OVER_OFFERED_LESS_SHORT = (
        "(abandoned-short_abandons)/(offered-short_abandons)",
        _("（放弃量 − 短时放弃）÷（呼入量 − 短时放弃）"),
    )


ANSWER_RATE_FORMULAS = (Formula.ANSWERED_OVER_OFFERED, Formula.ANSWERED_OVER_OFFERED_LESS_SHORT)
SERVICE_LEVEL_FORMULAS = (
    Formula.WITHIN_OVER_OFFERED,
    Formula.WITHIN_OVER_ANSWERED,
    Formula.WITHIN_OVER_OFFERED_LESS_SHORT,
)
ABANDONMENT_FORMULAS = (
    Formula.ABANDONED_OVER_OFFERED,
    Formula.ABANDONED_LESS_SHORT_OVER_OFFERED_LESS_SHORT,
)


class IntervalFigure(models.Model):
    queue = models.ForeignKey(Queue, verbose_name=_("队列"), on_delete=models.PROTECT, related_name="figures")
    interval_start = models.DateTimeField(_("时段开始"))
    interval_minutes = models.PositiveSmallIntegerField(_("时段长度（分钟）"), default=15)
    offered = models.PositiveIntegerField(_("呼入量"))
    answered = models.PositiveIntegerField(_("接通量"))
    answered_within_threshold = models.PositiveIntegerField(_("阈值内接通量"))
    abandoned = models.PositiveIntegerField(_("放弃量"))
    short_abandons = models.PositiveIntegerField(_("短时放弃量"), default=0)
    asa_seconds = models.FloatField(_("平均应答速度（秒）"), null=True, blank=True)
    threshold_seconds = models.PositiveSmallIntegerField(_("服务水平阈值（秒）"), default=20)
    complaints = models.PositiveIntegerField(
        _("客户投诉量"), default=0, help_text=_("本时段收到的客户投诉数（群体性投诉预警，Art. 2）。")
    )
    answer_rate_formula = models.CharField(
        _("接通率公式"), max_length=60, choices=Formula.choices, default=Formula.ANSWERED_OVER_OFFERED
    )
    service_level_formula = models.CharField(
        _("服务水平公式"), max_length=60, choices=Formula.choices, default=Formula.WITHIN_OVER_OFFERED
    )
    abandonment_formula = models.CharField(
        _("放弃率公式"), max_length=60, choices=Formula.choices, default=Formula.ABANDONED_OVER_OFFERED
    )
    # Derived by the formulas above when stored; null when the denominator is zero.
    answer_rate = models.FloatField(_("接通率"), null=True, blank=True)
    service_level = models.FloatField(_("服务水平"), null=True, blank=True)
    abandonment_rate = models.FloatField(_("放弃率"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=20, default="api")
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("时段话务指标")
        verbose_name_plural = _("时段话务指标")
        ordering = ["queue_id", "interval_start"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "interval_start"], name="figure_one_per_queue_interval"),
        ]

    def __str__(self) -> str:
        return f"{self.queue_id}@{self.interval_start:%Y-%m-%d %H:%M}"
