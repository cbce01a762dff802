from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .timer import TimerKind


class EscalationPolicy(models.Model):
    """An admin-editable chain of steps — wait, then notify whom — or a policy's parameters (DESIGN §5).

    ``steps``: ``[{"after_seconds": 900, "audience": ["leadership_deciders"], "event": "decision_pending"}]``
    (or ``"after_working_days"`` instead of seconds), each counted from the start of the escalation.
    ``params``: numbers a policy needs (late-report threshold, watch period, regulator deadlines).
    Editing a policy never changes an escalation already running: it was snapshotted when it started.
    """

    code = models.CharField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    steps = models.JSONField(_("升级步骤"), default=list, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("升级策略")
        verbose_name_plural = _("升级策略")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from escalation.audience import audience_errors

        if not isinstance(self.steps, list):
            raise ValidationError({"steps": _("升级步骤必须是列表。")})
        for number, step in enumerate(self.steps, start=1):
            if not isinstance(step, dict):
                raise ValidationError({"steps": _("第 %(n)d 步必须是对象。") % {"n": number}})
            seconds, days = step.get("after_seconds"), step.get("after_working_days")
            if not any(isinstance(v, int) and v >= 0 for v in (seconds, days)):
                raise ValidationError(
                    {
                        "steps": _("第 %(n)d 步须给出 after_seconds 或 after_working_days（非负整数）。")
                        % {"n": number}
                    }
                )
            audience = step.get("audience")
            if not isinstance(audience, list) or not audience:
                raise ValidationError({"steps": _("第 %(n)d 步须给出通知对象列表。") % {"n": number}})
            errors = audience_errors(audience)
            if errors:
                raise ValidationError(
                    {"steps": _("第 %(n)d 步：%(e)s") % {"n": number, "e": "; ".join(errors)}}
                )
        if not isinstance(self.params, dict):
            raise ValidationError({"params": _("参数必须是对象。")})


class Escalation(models.Model):
    """One run of a policy on one incident, with the policy as it was when the run started (the snapshot)."""

    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.CASCADE, related_name="escalations"
    )
    policy_code = models.CharField(_("策略"), max_length=40)
    kind = models.CharField(_("类型"), max_length=40, choices=TimerKind.choices)
    snapshot = models.JSONField(_("策略快照"), default=dict)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("升级记录")
        verbose_name_plural = _("升级记录")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["incident", "kind"], name="escalation_incident_kind")]

    def __str__(self) -> str:
        return f"{self.snapshot.get('name', self.policy_code)} · #{self.incident_id}"
