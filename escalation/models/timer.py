from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimerKind(models.TextChoices):
    """Every clock the app keeps. The label is what the incident page shows beside the countdown."""

    OUTAGE_WARNING = "outage_warning", _("系统中断预警提示")  # Art. 2, 7
    OUTAGE_LIMIT = "outage_limit", _("系统中断60分钟上报时限")  # Art. 2
    DECISION_PENDING = "decision_pending", _("领导小组决策提醒")  # Art. 8, 9
    PROGRESS_SILENT = "progress_silent", _("最新进展提醒")  # Art. 10
    APPROVALS_MISSING = "approvals_missing", _("终止审批提醒")  # Art. 15–17
    TERMINATION_OVERDUE = "termination_overdue", _("终止时限")  # Art. 15, 17
    INVESTIGATION_NOT_STARTED = "investigation_not_started", _("启动事后调查时限")  # Art. 19
    INVESTIGATION_NOT_CLOSED = "investigation_not_closed", _("事后调查结案时限")  # Art. 19–21
    REGULATOR_DECISION_MISSING = "regulator_decision_missing", _("监管报告决定提醒")  # Art. 10
    REGULATOR_PHONE_REPORT = "regulator_phone_report", _("监管电话报告时限")
    REGULATOR_WRITTEN_REPORT = "regulator_written_report", _("监管书面报告时限（Ⅰ级）")
    REGULATOR_IMPORTANT_SYSTEM = "regulator_important_system", _("重要信息系统事件报告时限")
    REGULATOR_MAJOR_RISK = "regulator_major_risk", _("重大操作风险事件报告时限")
    POST_EVENT_WATCH = "post_event_watch", _("事后观察期结束")  # Art. 18
    CORRECTIVE_ACTION_OVERDUE = "corrective_action_overdue", _("整改措施逾期提醒")  # old rows only (issue 13)
    COMPLAINT_CLOCK_DUE = "complaint_clock_due", _("投诉办结时限")  # old rows only (issue 13)
    COMPLAINT_CASE_REMINDER = "complaint_case_reminder", _("单笔投诉办结提醒")  # issue 13
    COMPLAINT_CASE_DUE = "complaint_case_due", _("单笔投诉办结时限")  # old rows only (issue 13)
    REMINDER = "reminder", _("提醒")
    ACK_SILENT = "ack_silent", _("未确认收到，转下一渠道/下一人")  # issue 13
    MEASURE_OVERDUE = "measure_overdue", _("预案措施逾期提醒")  # issue 13
    AFTER_EVENT_OVERDUE = "after_event_overdue", _("事后工作逾期提醒")  # Art. 18, issue 13
    EMERGENCY_PACK = "emergency_pack", _("应急包夜间生成")  # about no incident: the desk's own clock


class Timer(models.Model):
    """A due clock: the database row is the truth, Celery only runs it (DESIGN §5).

    Written in the transaction of the state change that starts it; fired at most once by whoever first
    locks it with ``fired_at`` still empty (the sweep or the ETA nudge); ``token`` fences a stale nudge.
    """

    # Empty only for the desk's own clocks (the nightly emergency pack): a system timer, fired by the
    # handler its app registers (``services.register_system_timer``).
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("事件"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="timers",
    )
    escalation = models.ForeignKey(
        "escalation.Escalation",
        verbose_name=_("升级"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="timers",
    )
    kind = models.CharField(_("类型"), max_length=40, choices=TimerKind.choices)
    due_at = models.DateTimeField(_("到期时间"))
    token = models.UUIDField(_("防重令牌"), default=uuid.uuid4, editable=False)
    payload = models.JSONField(_("内容快照"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    nudged_at = models.DateTimeField(_("已预约执行"), null=True, blank=True)
    fired_at = models.DateTimeField(_("触发时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=200, blank=True)
    attempts = models.PositiveIntegerField(_("执行次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("计时器")
        verbose_name_plural = _("计时器")
        ordering = ["due_at", "id"]
        indexes = [
            # The sweep's one query: pending rows by due time (a partial index stays small).
            models.Index(
                fields=["due_at"],
                name="timer_pending_due",
                condition=models.Q(fired_at__isnull=True, cancelled_at__isnull=True),
            ),
            models.Index(
                fields=["incident", "due_at"],
                name="timer_pending_incident",
                condition=models.Q(fired_at__isnull=True, cancelled_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.due_at:%Y-%m-%d %H:%M:%S}"

    @property
    def is_pending(self) -> bool:
        return self.fired_at is None and self.cancelled_at is None

    @property
    def label(self) -> str:
        return timer_label(self.kind, self.payload)


def timer_label(kind: str, payload: dict | None) -> str:
    """A clock's name in the reader's language. The stored ``label`` is the Chinese the system wrote when it
    set the clock (``"<measure title>（逾期提醒）"``); it is rebuilt from the measure's catalogue title, or
    translated as a catalogue msgid, or — with no label — the kind's own name."""
    from django.utils.translation import gettext

    payload = payload or {}
    stored = payload.get("label")
    title = (payload.get("context") or {}).get("title")
    if stored and title and stored == f"{title}（逾期提醒）":
        return str(_("%(title)s（逾期提醒）") % {"title": gettext(title)})
    if stored:
        return gettext(stored)
    return str(dict(TimerKind.choices).get(kind, kind))
