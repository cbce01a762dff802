"""Security events (ASVS 7.1, 8.1 via 7.2): who was refused what, when (UTC stored), from where; and the
read log: who read what."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SecurityEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKED_OUT = "locked_out", _("登录锁定")
        NOT_AUTHENTICATED = "not_authenticated", _("未认证访问")
        FORBIDDEN = "forbidden", _("越权访问")
        SESSION_EXPIRED = "session_expired", _("会话超时")
        SESSIONS_ENDED = "sessions_ended", _("会话被终止")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    method = models.CharField(_("方法"), max_length=10, blank=True)
    path = models.CharField(_("路径"), max_length=500, blank=True)
    status = models.PositiveSmallIntegerField(_("状态码"), null=True, blank=True)
    detail = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("安全事件")
        verbose_name_plural = _("安全事件")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}"


class ReadRecord(models.Model):
    """Who read what (issue 16): one row per read of an incident page, a report, a PDF, an export, a
    complaint record or a revealed field. Append-only, enforced
    by PostgreSQL like the timeline. ``user`` carries no database constraint, so a row outlives its user
    and deleting a user never has to update the log."""

    class Kind(models.TextChoices):
        INCIDENT = "incident", _("事件页面")
        REPORT = "report", _("事后报告")
        PDF = "pdf", _("报告 PDF")
        EXPORT = "export", _("导出")
        COMPLAINT = "complaint", _("投诉记录")
        REVEAL = "reveal", _("查看未遮蔽的个人信息")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    incident_id = models.BigIntegerField(_("事件编号"), null=True, blank=True, db_index=True)
    target = models.CharField(_("读取对象"), max_length=200)
    path = models.CharField(_("路径"), max_length=500)
    reason = models.TextField(_("理由"), blank=True)

    class Meta:
        verbose_name = _("读取记录")
        verbose_name_plural = _("读取记录")
        ordering = ["-at", "-id"]
        triggers = [
            pgtrigger.Protect(name="read_record_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.kind} {self.target}"


class DirectoryAccount(models.Model):
    """A user who signs in with the bank's directory (django-auth-ldap): their ``dn`` and when the directory
    last confirmed them. Local accounts (break-glass, the demo) have none and are never checked there."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="directory_account",
    )
    dn = models.CharField(_("目录 DN"), max_length=500)
    confirmed_at = models.DateTimeField(_("目录最近确认时间"))

    class Meta:
        verbose_name = _("目录账户")
        verbose_name_plural = _("目录账户")

    def __str__(self) -> str:
        return self.dn
