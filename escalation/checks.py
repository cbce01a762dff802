"""``manage.py check --deploy``: a production desk must really deliver. The logging SMS gateway and the
console e-mail backend are development defaults that tell nobody; deploying with them is a warning.

``manage.py check`` (always) warns before a working-day clock can run past the last year China's official
calendar is known for (``escalation.workdays``): beyond it Monday to Friday is assumed, which is wrong around
the Spring Festival and National Day — update ``chinesecalendar`` (or declare the days as bank days)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks import Warning as CheckWarning
from django.utils import timezone
from django.utils.translation import gettext as _

from .defaults import DEFAULT_POLICIES

DEV_SMS_GATEWAY = "escalation.channels.LoggingSmsGateway"
DEV_EMAIL_BACKENDS = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)


@register(Tags.security, deploy=True)
def delivery_is_real(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    warnings = []
    if settings.SMS_GATEWAY == DEV_SMS_GATEWAY:
        warnings.append(
            CheckWarning(
                "SMS_GATEWAY is the logging gateway: text messages are only written to the log.",
                hint="Set SMS_GATEWAY=escalation.sms.AliyunSmsGateway and the ALIYUN_SMS_* settings.",
                id="escalation.W001",
            )
        )
    elif settings.SMS_GATEWAY == "escalation.sms.AliyunSmsGateway":
        missing = [
            name
            for name in (
                "ALIYUN_SMS_ACCESS_KEY_ID",
                "ALIYUN_SMS_ACCESS_KEY_SECRET",
                "ALIYUN_SMS_SIGN_NAME",
                "ALIYUN_SMS_TEMPLATE_CODE",
            )
            if not getattr(settings, name, "")
        ]
        if missing:
            warnings.append(
                CheckWarning(
                    f"Alibaba Cloud SMS is chosen but {', '.join(missing)} is not set.",
                    id="escalation.W003",
                )
            )
    if settings.EMAIL_BACKEND in DEV_EMAIL_BACKENDS:
        warnings.append(
            CheckWarning(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: e-mails are not sent.",
                hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST.",
                id="escalation.W002",
            )
        )
    return warnings


def longest_working_day_clock() -> int:
    """The longest clock in working days among the built-in policies (steps and parameters)."""
    longest = 0
    for policy in DEFAULT_POLICIES.values():
        for step in policy["steps"]:
            longest = max(longest, int(step.get("after_working_days") or 0))
        for name, value in policy["params"].items():
            if name.endswith("working_days"):
                longest = max(longest, int(value))
    return longest


@register()
def calendar_horizon(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    from . import workdays

    last_year = workdays.calendar_last_year()
    # Without the database (a check may run before it exists): the official days only, walked by hand.
    day, left = timezone.localdate(), longest_working_day_clock()
    while left > 0:
        day += timedelta(days=1)
        left -= workdays.official_working_day(day)
    if day.year <= last_year:
        return []
    return [
        CheckWarning(
            _(
                "中国法定节假日日历只到 %(year)d 年；从今天起的 %(days)d 个工作日时限将超出该年，"
                "届时按周一至周五计算。"
            )
            % {"year": last_year, "days": longest_working_day_clock()},
            hint=_("升级 chinesecalendar，或在后台“本行工作日调整”中登记次年的节假日和调休工作日。"),
            id="escalation.W010",
        )
    ]
