from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Person(models.Model):
    """Anyone the plan names: a user of the app, or a contact who is only notified."""

    class Line(models.TextChoices):
        FIRST = "first", _("一线")
        SECOND = "second", _("二线")  # Art. 14: second line moves to the front line

    class Rotation(models.TextChoices):
        NONE = "", _("未分组")
        A = "A", _("A组")
        B = "B", _("B组")

    class Channel(models.TextChoices):
        INBOX = "inbox", _("站内信")
        EMAIL = "email", _("电子邮件")
        SMS = "sms", _("短信")
        WECOM = "wecom", _("企业微信")
        DINGTALK = "dingtalk", _("钉钉")
        WEBHOOK = "webhook", _("Webhook")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="person",
    )
    name = models.CharField(_("姓名"), max_length=100)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮件"), blank=True)
    preferred_channels = models.JSONField(_("首选通知渠道"), default=list, blank=True)
    line = models.CharField(_("一线/二线"), max_length=10, choices=Line.choices, default=Line.FIRST)
    rotation_group = models.CharField(
        _("A/B轮换组"), max_length=1, choices=Rotation.choices, default=Rotation.NONE, blank=True
    )
    skills = models.CharField(_("技能"), max_length=200, blank=True, help_text=_("以逗号分隔"))
    is_active = models.BooleanField(_("在岗"), default=True)
    # The staff directory (issue 13): every agent and employee of the centre, counted by the roster and the
    # roll call; being in it grants no rights (rights come from memberships and parties only).
    in_directory = models.BooleanField(_("中心员工通讯录"), default=False)
    employee_no = models.CharField(_("工号"), max_length=40, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        unknown = set(self.preferred_channels or []) - set(self.Channel.values)
        if unknown:
            raise ValidationError(
                {"preferred_channels": _("未知的通知渠道：%s") % ", ".join(sorted(unknown))}
            )


class UserPreference(models.Model):
    """Per-user settings that outlive a session: the UI language (Chinese by default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference", verbose_name=_("用户")
    )
    language = models.CharField(_("界面语言"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")

    class Meta:
        verbose_name = _("用户偏好")
        verbose_name_plural = _("用户偏好")

    def __str__(self) -> str:
        return f"{self.user} · {self.language}"
