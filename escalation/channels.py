"""How a notification leaves the building, one function per channel. Each raises ``DeliveryError`` with a
reason a person can read; the caller records it, retries with backoff, and finally marks the row failed.
Robots: WeCom (企业微信) and DingTalk (钉钉) group robots take markdown; DingTalk's signed secret appends
``timestamp`` and ``sign`` = urlencode(base64(HMAC-SHA256(secret, "timestamp\\nsecret"))) to the URL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
import urllib.parse
from typing import Any, Protocol

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    pass


class SmsGateway(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class LoggingSmsGateway:
    """The default gateway: writes the message to the log. A bank plugs its own SMS platform in through
    ``SMS_GATEWAY`` (a dotted path to a class with ``send(*, phone, text)``)."""

    def send(self, *, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp}&sign={sign}"


def _post_json(url: str, body: dict[str, Any], *, robot: bool) -> None:
    try:
        response = requests.post(url, json=body, timeout=settings.NOTIFICATION_HTTP_TIMEOUT)
    except requests.Timeout as exc:
        raise DeliveryError(f"timeout after {settings.NOTIFICATION_HTTP_TIMEOUT}s: {url}") from exc
    except requests.RequestException as exc:
        raise DeliveryError(f"connection error: {exc.__class__.__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"HTTP {response.status_code}: {response.text[:200]}")
    if robot:
        try:
            answer = response.json()
        except ValueError as exc:
            raise DeliveryError(f"robot answered non-JSON: {response.text[:200]}") from exc
        if answer.get("errcode", 0) != 0:
            raise DeliveryError(f"robot errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")


def wecom_body(subject: str, body: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"content": f"### {subject}\n{body}"}}


def dingtalk_body(subject: str, body: str) -> dict[str, Any]:
    # DingTalk markdown needs a blank line between paragraphs to break lines.
    return {
        "msgtype": "markdown",
        "markdown": {"title": subject, "text": f"### {subject}\n\n" + body.replace("\n", "\n\n")},
    }


def webhook_body(notification: Any) -> dict[str, Any]:
    incident = notification.incident
    return {
        "id": notification.pk,
        "event": notification.event,
        "subject": notification.subject,
        "body": notification.body,
        "is_drill": notification.is_drill,
        "incident": (
            {
                "id": incident.pk,
                "title": incident.title,
                "state": incident.state,
                "category": incident.category,
            }
            if incident is not None
            else None
        ),
        "sent_at": timezone.now().isoformat(),
    }


def send(notification: Any) -> None:
    from .acks import text_with_link  # a person's message carries their acknowledgement link

    channel = notification.channel
    body = text_with_link(notification, notification.body)
    if channel == "email":
        try:
            send_mail(notification.subject, body, settings.DEFAULT_FROM_EMAIL, [notification.address])
        except Exception as exc:  # SMTP errors come in many classes
            raise DeliveryError(f"e-mail: {exc.__class__.__name__}: {exc}") from exc
    elif channel == "sms":
        gateway: SmsGateway = import_string(settings.SMS_GATEWAY)()
        try:
            gateway.send(
                phone=notification.address,
                text=text_with_link(notification, f"{notification.subject}\n{notification.body}"[:300]),
            )
        except Exception as exc:
            raise DeliveryError(f"SMS: {exc.__class__.__name__}: {exc}") from exc
    elif channel == "wecom":
        _post_json(notification.address, wecom_body(notification.subject, body), robot=True)
    elif channel == "dingtalk":
        url = notification.address
        if notification.secret:
            url = dingtalk_signed_url(url, notification.secret)
        _post_json(url, dingtalk_body(notification.subject, body), robot=True)
    elif channel == "webhook":
        _post_json(notification.address, webhook_body(notification), robot=False)
    elif channel == "inbox":
        return
    else:
        raise DeliveryError(f"unknown channel {channel}")
