"""``manage.py check --deploy``: a production desk must really deliver. The logging SMS gateway and the
console e-mail backend are development defaults that tell nobody; deploying with them is a warning."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks import Warning as CheckWarning

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
