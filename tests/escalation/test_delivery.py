"""Real delivery (issue 13): SMS through Alibaba Cloud SMS's HTTP API with its request signing, against a
local server that checks the signature the way the provider documents it; e-mail over SMTP to a local
aiosmtpd server. Both on 127.0.0.1, on free ports."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from escalation import services
from escalation.models import Notification
from incidents.models import Incident, TimelineEntry
from teams.models import Person

pytestmark = pytest.mark.django_db

KEY_ID, SECRET = "LTAI5tExampleKeyId", "ExampleAccessKeySecret0123"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _expected_signature(query: dict[str, str], secret: str) -> str:
    """Written from the provider's document, apart from the app's code: RFC 3986 encoding (``~`` kept,
    ``+`` for nothing), sorted, ``GET&%2F&`` + encoded canonical string, HMAC-SHA1 with ``secret&``."""

    def enc(value: str) -> str:
        return urllib.parse.quote(value, safe="").replace("%7E", "~")

    canonical = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(query.items()) if k != "Signature")
    to_sign = "GET&%2F&" + enc(canonical)
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class FakeDysmsapi:
    """Answers ``SendSms`` as Alibaba Cloud does: OK for a good signature, ``SignatureDoesNotMatch`` (400)
    otherwise; records every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                server.requests.append(query)
                good = query.get("AccessKeyId") == KEY_ID and query.get("Signature") == _expected_signature(
                    query, SECRET
                )
                status, answer = (
                    (200, {"Code": "OK", "Message": "OK", "BizId": "9006197469364984400", "RequestId": "r1"})
                    if good
                    else (
                        400,
                        {
                            "Code": "SignatureDoesNotMatch",
                            "Message": "Specified signature is not matched with our calculation.",
                            "RequestId": "r2",
                        },
                    )
                )
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def dysmsapi(settings):
    server = FakeDysmsapi()
    settings.SMS_GATEWAY = "escalation.sms.AliyunSmsGateway"
    settings.ALIYUN_SMS_ENDPOINT = server.url
    settings.ALIYUN_SMS_ACCESS_KEY_ID = KEY_ID
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = SECRET
    settings.ALIYUN_SMS_SIGN_NAME = "某银行客服中心"
    settings.ALIYUN_SMS_TEMPLATE_CODE = "SMS_465300001"
    yield server
    server.close()


class Collect:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield handler
    controller.stop()


@pytest.fixture
def incident(declare) -> Incident:
    return Incident.objects.get(pk=declare(category="system_outage", title="IVR 中断")["id"])


def _sms_rows(incident: Incident):
    return Notification.objects.filter(incident=incident, channel="sms")


def test_sms_is_signed_and_accepted_by_the_provider(org, incident, dysmsapi):
    services.notify(incident=incident, audience=["leader"], event="decision_pending", context={"step": 1})
    row = _sms_rows(incident).get()
    assert services.notification_deliver(notification_id=row.pk) == "sent"
    row.refresh_from_db()
    assert row.status == "sent" and row.sent_at is not None
    (request,) = dysmsapi.requests
    assert request["Action"] == "SendSms" and request["PhoneNumbers"] == "13800000001"
    assert request["SignName"] == "某银行客服中心" and request["TemplateCode"] == "SMS_465300001"
    content = json.loads(request["TemplateParam"])["content"]
    assert (
        content.startswith("待决策提醒") and "/escalation/ack/" in content
    )  # the acknowledgement link survives the cut
    assert request["SignatureMethod"] == "HMAC-SHA1" and request["SignatureVersion"] == "1.0"


def test_sms_with_a_wrong_key_is_refused_and_the_failure_shows_on_the_incident(
    org, incident, dysmsapi, settings, client
):
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "not-the-secret"
    settings.NOTIFICATION_RETRY_BACKOFF = [0]
    services.notify(incident=incident, audience=["leader"], event="decision_pending", context={"step": 1})
    row = _sms_rows(incident).get()
    assert services.notification_deliver(notification_id=row.pk) == "retry"
    assert services.notification_deliver(notification_id=row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == "failed" and "SignatureDoesNotMatch" in row.last_error
    assert len(dysmsapi.requests) == 2
    entry = TimelineEntry.objects.get(incident=incident, action="notification_failed")
    assert "SignatureDoesNotMatch" in entry.comment and entry.payload["channel"] == "sms"
    client.force_login(org["gm"])
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "SignatureDoesNotMatch" in page


def test_email_arrives_at_the_smtp_server_with_subject_and_recipients(org, incident, smtp_server, settings):
    settings.DEFAULT_FROM_EMAIL = "emergency-desk@bank.example"
    Person.objects.filter(user=org["gm"]).update(preferred_channels=["email"])
    services.notify(incident=incident, audience=["leader"], event="decision_pending", context={"step": 1})
    row = Notification.objects.get(incident=incident, channel="email", event="decision_pending")
    assert services.notification_deliver(notification_id=row.pk) == "sent"
    ((sender, recipients, raw),) = smtp_server.messages
    assert sender == "emergency-desk@bank.example" and recipients == ["gm@bank.example"]
    message = message_from_bytes(raw)
    assert str(make_header(decode_header(message["Subject"]))) == row.subject
    assert row.subject.startswith("待决策提醒")
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    assert "IVR 中断" in body


def test_smtp_server_down_fails_visibly(org, incident, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nobody listens
    settings.NOTIFICATION_RETRY_BACKOFF = []
    Person.objects.filter(user=org["gm"]).update(preferred_channels=["email"])
    services.notify(incident=incident, audience=["leader"], event="decision_pending", context={"step": 1})
    row = Notification.objects.get(incident=incident, channel="email", event="decision_pending")
    assert services.notification_deliver(notification_id=row.pk) == "failed"
    assert "ConnectionRefused" in Notification.objects.get(pk=row.pk).last_error


def test_each_recipient_reads_the_message_in_their_own_language(org, incident, smtp_server, settings):
    """Issue 12: the leader prefers English, the deputy Chinese; the group's shared mailbox has no language
    of its own (zh-hans). Each row stores the words it was sent with."""
    from teams.models import UserPreference

    UserPreference.objects.update_or_create(user=org["gm"], defaults={"language": "en"})
    UserPreference.objects.update_or_create(user=org["supervisor"], defaults={"language": "zh-hans"})
    Person.objects.filter(user=org["gm"]).update(preferred_channels=["email"])
    services.notify(
        incident=incident,
        audience=["leadership_deciders", "group:phone"],
        event="decision_waiting",
        context={"by": "李现场"},
    )
    rows = Notification.objects.filter(incident=incident, event="decision_waiting")

    english = rows.get(channel="inbox", recipient=org["gm"])
    assert english.language == "en"
    assert english.subject.startswith("Your decision: an incident was reported to the Leadership Group")
    assert "Incident: IVR 中断 (#" in english.body and "/inbox/" in english.body  # the title stays as typed
    chinese = rows.get(channel="inbox", recipient=org["supervisor"])
    assert chinese.language == "zh-hans"
    assert chinese.subject == "待您决策：事件已上报领导小组，请决定是否启动应急预案"
    assert "事件：IVR 中断（#" in chinese.body
    shared = rows.get(channel="email", address="phone-group@bank.example")
    assert shared.language == "zh-hans" and shared.subject == chinese.subject

    # The leader's e-mail goes out in English, word for word what the row keeps, with an English ack link.
    mail = rows.get(channel="email", person__user=org["gm"])
    assert mail.language == "en" and mail.subject == english.subject
    assert services.notification_deliver(notification_id=mail.pk) == "sent"
    ((_sender, recipients, raw),) = smtp_server.messages
    assert recipients == ["gm@bank.example"]
    message = message_from_bytes(raw)
    assert str(make_header(decode_header(message["Subject"]))) == english.subject
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    body = body.replace("\r\n", "\n")  # SMTP's line ends
    assert body.startswith(mail.body) and "\nAcknowledge: http" in body


def test_a_drill_reads_drill_in_the_readers_language(org, declare):
    from teams.models import UserPreference

    drill = Incident.objects.get(pk=declare(category="system_outage", title="演练中断", is_drill=True)["id"])
    UserPreference.objects.update_or_create(user=org["gm"], defaults={"language": "en"})
    services.notify(
        incident=drill, audience=["leadership_deciders"], event="decision_pending", context={"step": 2}
    )
    rows = Notification.objects.filter(incident=drill, channel="inbox")
    assert rows.get(recipient=org["gm"]).subject.startswith("[Drill] Decision pending")
    assert rows.get(recipient=org["supervisor"]).subject.startswith("【演练】待决策提醒")
