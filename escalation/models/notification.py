from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationChannel(models.Model):
    """A delivery target edited in the admin: a group robot (WeCom / DingTalk), a generic JSON webhook, a
    mailbox or an SMS number, subscribed to audience keys (``group:phone``, ``leadership`` … or ``*``)."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("电子邮件")
        WEBHOOK = "webhook", _("通用Webhook（JSON）")
        WECOM = "wecom", _("企业微信群机器人")
        DINGTALK = "dingtalk", _("钉钉群机器人")
        SMS = "sms", _("短信")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("渠道"), max_length=20, choices=Kind.choices)
    target = models.CharField(_("地址"), max_length=500, help_text=_("URL、邮箱或手机号"))
    secret = models.CharField(_("加签密钥"), max_length=200, blank=True, help_text=_("钉钉加签（SEC…）"))
    audiences = models.JSONField(
        _("订阅的通知对象"), default=list, blank=True, help_text=_('如 ["group:phone", "*"]')
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("通知渠道")
        verbose_name_plural = _("通知渠道")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class Notification(models.Model):
    """One message to one recipient over one channel. Inbox rows are delivered by being written; the others
    are claimed by a worker with a conditional update (``pending``/``retry`` → ``sending``) so a retry or a
    duplicate task never sends twice."""

    class Channel(models.TextChoices):
        INBOX = "inbox", _("站内信")
        EMAIL = "email", _("电子邮件")
        SMS = "sms", _("短信")
        WECOM = "wecom", _("企业微信")
        DINGTALK = "dingtalk", _("钉钉")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        RETRY = "retry", _("等待重试")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("事件"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    timer = models.ForeignKey(
        "escalation.Timer",
        verbose_name=_("计时器"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    event = models.CharField(_("事件类型"), max_length=60)
    audience = models.CharField(_("通知对象"), max_length=60, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人账号"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    recipient_name = models.CharField(_("接收人"), max_length=200, blank=True)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    address = models.CharField(_("地址"), max_length=500, blank=True)
    secret = models.CharField(_("加签密钥"), max_length=200, blank=True)
    subject = models.CharField(_("标题"), max_length=300)
    body = models.TextField(_("正文"))
    # The language the subject and body were rendered in: the recipient's preference (issue 12); the stored
    # words are exactly what was sent.
    language = models.CharField(_("语言"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    is_drill = models.BooleanField(_("演练"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("开始发送"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Acknowledgement (issue 13): one message to one person may go out on several channels (one row each,
    # one ``batch``); acknowledging any of them acknowledges the person's message.
    batch = models.UUIDField(_("批次"), null=True, blank=True, db_index=True)
    person = models.ForeignKey(
        "teams.Person",
        verbose_name=_("接收人员"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    needs_ack = models.BooleanField(_("需确认收到"), default=False)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_via = models.CharField(_("确认方式"), max_length=10, blank=True)
    link_used_at = models.DateTimeField(_("确认链接使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "channel", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["next_attempt_at"],
                name="notification_undelivered",
                condition=models.Q(status__in=["pending", "retry", "sending"]),
            ),
            models.Index(fields=["incident", "status"], name="notification_incident_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient_name or self.address}: {self.subject}"
