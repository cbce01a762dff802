"""SMS through Alibaba Cloud SMS (阿里云短信服务, ``dysmsapi`` ``SendSms``), with its RPC request signing
(signature version 1.0, HMAC-SHA1), as the bank's production gateway; ``channels.LoggingSmsGateway`` stays
the development default (``check --deploy`` warns about it).

Signing (the provider's documented algorithm): every query parameter except ``Signature`` is percent-encoded
per RFC 3986 (``~`` kept, space as ``%20``), sorted by name and joined as ``k=v&…``; the string to sign is
``GET&%2F&`` + percentEncode(that); the signature is base64(HMAC-SHA1(AccessKeySecret + "&", string)).
The answer is JSON; anything but ``"Code": "OK"`` is a failure whose code and message the notification row
(and, once retries are spent, the incident's timeline) keeps.

Settings: ``ALIYUN_SMS_ENDPOINT`` (default ``https://dysmsapi.aliyuncs.com/``), ``ALIYUN_SMS_ACCESS_KEY_ID``,
``ALIYUN_SMS_ACCESS_KEY_SECRET``, ``ALIYUN_SMS_SIGN_NAME`` (the approved 签名), ``ALIYUN_SMS_TEMPLATE_CODE``
(an approved notification template with one variable ``${content}``), ``ALIYUN_SMS_REGION``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

API_VERSION = "2017-05-25"
# The provider's templates limit one variable's length; the text is cut, the link (at the end) kept.
CONTENT_LIMIT = 200


class SmsRejected(Exception):
    """The provider answered, and said no (wrong key, unapproved template, bad number…)."""


def percent_encode(value: str) -> str:
    return quote(value, safe="~")


def signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _content(text: str) -> str:
    if len(text) <= CONTENT_LIMIT:
        return text
    lines = text.splitlines()
    link = next((line for line in reversed(lines) if "http" in line), "")
    head = text[: CONTENT_LIMIT - len(link) - 2].rstrip()
    return f"{head}…\n{link}" if link else text[:CONTENT_LIMIT]


def signed_params(*, phone: str, text: str, now: datetime | None = None, nonce: str = "") -> dict[str, str]:
    params = {
        "AccessKeyId": settings.ALIYUN_SMS_ACCESS_KEY_ID,
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": phone,
        "RegionId": settings.ALIYUN_SMS_REGION,
        "SignName": settings.ALIYUN_SMS_SIGN_NAME,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce or uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "TemplateCode": settings.ALIYUN_SMS_TEMPLATE_CODE,
        "TemplateParam": json.dumps({"content": _content(text)}, ensure_ascii=False),
        "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": API_VERSION,
    }
    params["Signature"] = signature(params, settings.ALIYUN_SMS_ACCESS_KEY_SECRET)
    return params


class AliyunSmsGateway:
    """``SMS_GATEWAY = "escalation.sms.AliyunSmsGateway"``."""

    def send(self, *, phone: str, text: str) -> None:
        params = signed_params(phone=phone, text=text)
        try:
            response = requests.get(
                settings.ALIYUN_SMS_ENDPOINT, params=params, timeout=settings.NOTIFICATION_HTTP_TIMEOUT
            )
        except requests.RequestException as exc:
            raise SmsRejected(f"connection error: {exc.__class__.__name__}: {exc}") from exc
        try:
            answer: dict[str, Any] = response.json()
        except ValueError as exc:
            raise SmsRejected(f"HTTP {response.status_code}, not JSON: {response.text[:200]}") from exc
        if answer.get("Code") != "OK":
            raise SmsRejected(
                f"HTTP {response.status_code} {answer.get('Code')}: {answer.get('Message', '')}"
                f" (RequestId {answer.get('RequestId', '?')})"
            )
