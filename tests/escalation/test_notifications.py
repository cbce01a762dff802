"""Notifications: rows per recipient and channel, the robots' formats, DingTalk's signature, retries with
backoff, no double send, failures visible on the incident — against tiny HTTP servers on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from escalation import services
from escalation.channels import dingtalk_signed_url
from escalation.models import Notification, NotificationChannel
from incidents.models import Incident, TimelineEntry

from .helpers import Endpoint

pytestmark = pytest.mark.django_db

PORTS = iter(range(18410, 18460))


@pytest.fixture
def endpoint():
    opened: list[Endpoint] = []

    def open_endpoint(**kwargs) -> Endpoint:
        server = Endpoint(next(PORTS), **kwargs)
        opened.append(server)
        return server

    yield open_endpoint
    for server in opened:
        server.close()


@pytest.fixture
def incident(declare) -> Incident:
    return Incident.objects.get(pk=declare(category="service_level", title="ACD 排队异常")["id"])


def deliver_all(incident: Incident, *, at=None) -> dict[str, str]:
    outcomes = {}
    for row in Notification.objects.filter(incident=incident).exclude(channel="inbox"):
        outcomes[row.channel] = services.notification_deliver(notification_id=row.pk, now=at)
    return outcomes


def test_inbox_always_email_by_preference_and_group_robots(org, incident, endpoint, settings):
    wecom = endpoint()
    NotificationChannel.objects.create(
        name="电话组企业微信群", kind="wecom", target=wecom.url, audiences=["group:phone"]
    )
    rows = services.notify(incident=incident, audience=["group:phone"], event="progress_silent")
    channels = {row.channel for row in rows}
    assert "inbox" in channels and "wecom" in channels
    assert Notification.objects.filter(channel="inbox", recipient=org["phone_lead"], status="sent").exists()
    assert deliver_all(incident)["wecom"] == "sent"
    body = wecom.requests[0]["body"]
    assert body["msgtype"] == "markdown" and body["markdown"]["content"].startswith("### 最新进展提醒")
    assert "ACD 排队异常" in body["markdown"]["content"]


def test_dingtalk_robot_is_signed(incident, endpoint):
    dingtalk = endpoint()
    secret = "SEC0123456789abcdef"
    NotificationChannel.objects.create(
        name="领导小组钉钉群", kind="dingtalk", target=dingtalk.url, secret=secret, audiences=["leadership"]
    )
    services.notify(incident=incident, audience=["leadership"], event="decision_pending", context={"step": 1})
    assert deliver_all(incident)["dingtalk"] == "sent"
    request = dingtalk.requests[0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"][0] == expected
    assert abs(int(timestamp) / 1000 - timezone.now().timestamp()) < 60
    assert request["body"]["msgtype"] == "markdown" and request["body"]["markdown"]["title"].startswith(
        "待决策提醒"
    )


def test_dingtalk_signature_matches_their_documented_recipe():
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=x", "SECabc", 1700000000000)
    digest = hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
    assert url.endswith(
        "&timestamp=1700000000000&sign=" + urllib.parse.quote_plus(base64.b64encode(digest).decode())
    )


def test_webhook_500_is_retried_with_backoff_then_failed_and_shown_on_the_incident(
    incident, endpoint, settings
):
    settings.NOTIFICATION_RETRY_BACKOFF = [10, 60]
    broken = endpoint(status=500, answer={"error": "boom"})
    NotificationChannel.objects.create(name="值班系统", kind="webhook", target=broken.url, audiences=["*"])
    services.notify(incident=incident, audience=["leadership_deciders"], event="decision_pending")
    row = Notification.objects.get(incident=incident, channel="webhook")
    now = timezone.now()
    assert services.notification_deliver(notification_id=row.pk, now=now) == "retry"
    row.refresh_from_db()
    assert row.status == "retry" and row.attempts == 1 and "HTTP 500" in row.last_error
    assert row.next_attempt_at == now + timedelta(seconds=10)
    assert (
        services.notification_deliver(notification_id=row.pk, now=now + timedelta(seconds=5)) == "not_claimed"
    )
    assert services.notification_deliver(notification_id=row.pk, now=now + timedelta(seconds=11)) == "retry"
    assert services.notification_deliver(notification_id=row.pk, now=now + timedelta(seconds=80)) == "failed"
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 3 and len(broken.requests) == 3
    entry = TimelineEntry.objects.get(incident=incident, action="notification_failed")
    assert (
        entry.actor_name == "系统" and entry.payload["channel"] == "webhook" and "HTTP 500" in entry.comment
    )
    assert incident.state == Incident.objects.get(pk=incident.pk).state  # the incident flow is never blocked
    body = broken.requests[0]["body"]
    assert body["event"] == "decision_pending" and body["incident"]["id"] == incident.pk


def test_webhook_that_times_out_is_retried_then_failed(incident, endpoint, settings):
    settings.NOTIFICATION_RETRY_BACKOFF = [0]
    settings.NOTIFICATION_HTTP_TIMEOUT = 0.3
    slow = endpoint(delay=1.0)
    NotificationChannel.objects.create(
        name="慢系统", kind="webhook", target=slow.url, audiences=["leadership"]
    )
    services.notify(incident=incident, audience=["leadership"], event="decision_pending")
    row = Notification.objects.get(incident=incident, channel="webhook")
    assert services.notification_deliver(notification_id=row.pk) == "retry"
    assert services.notification_deliver(notification_id=row.pk) == "failed"
    row.refresh_from_db()
    assert "timeout" in row.last_error
    assert TimelineEntry.objects.filter(incident=incident, action="notification_failed").count() == 1


def test_a_sent_notification_is_never_sent_again(incident, endpoint):
    hook = endpoint()
    NotificationChannel.objects.create(name="系统", kind="webhook", target=hook.url, audiences=["leadership"])
    services.notify(incident=incident, audience=["leadership"], event="decision_pending")
    row = Notification.objects.get(incident=incident, channel="webhook")
    assert services.notification_deliver(notification_id=row.pk) == "sent"
    assert services.notification_deliver(notification_id=row.pk) == "not_claimed"  # a duplicate task
    services.notifications_requeue()
    assert len(hook.requests) == 1


def test_email_and_sms_go_through_their_backends(org, incident, settings, caplog):
    from teams.models import Person

    Person.objects.filter(user=org["gm"]).update(preferred_channels=["email", "sms"], phone="13800000000")
    services.notify(incident=incident, audience=["leader"], event="decision_pending")
    with caplog.at_level("INFO", logger="escalation.channels"):
        outcomes = deliver_all(incident)
    assert outcomes == {"email": "sent", "sms": "sent"}
    assert mail.outbox and mail.outbox[0].subject.startswith("待决策提醒")
    assert "SMS to 13800000000" in caplog.text


def test_drill_notifications_say_drill(org, declare):
    drill = Incident.objects.get(pk=declare(category="service_level", is_drill=True)["id"])
    rows = services.notify(incident=drill, audience=["leader"], event="decision_pending")
    assert rows and all(row.subject.startswith("【演练】") and row.is_drill for row in rows)


def test_inbox_api_lists_mine_and_marks_read(org, api, incident):
    services.notify(incident=incident, audience=["leader"], event="decision_pending")
    services.notify(incident=incident, audience=["group_lead:phone"], event="progress_silent")
    mine = api("gm").get("/api/v1/notifications/").json()
    assert [item["event"] for item in mine["results"]] == ["decision_pending"]
    item = mine["results"][0]
    assert item["incident"] == incident.pk and item["read_at"] is None
    assert api("gm").post(f"/api/v1/notifications/{item['id']}/read/").json()["read_at"]
    assert api("gm").get("/api/v1/notifications/?unread=1").json()["count"] == 0
    assert api("phone_lead").post(f"/api/v1/notifications/{item['id']}/read/").status_code == 404


def test_inbox_page_shows_mine_in_constant_queries(org, incident, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.notify(incident=incident, audience=["leader"], event="decision_pending")
    client.force_login(org["gm"])
    client.get("/escalation/inbox/")  # warm the session and the user's roles
    with CaptureQueriesContext(connection) as one:
        page = client.get("/escalation/inbox/")
    assert page.status_code == 200 and "待决策提醒" in page.content.decode()
    for _ in range(20):
        services.notify(incident=incident, audience=["leader"], event="decision_pending")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/escalation/inbox/").status_code == 200
    assert len(one) == len(many)
    item = Notification.objects.filter(recipient=org["gm"]).first()
    assert client.post(f"/escalation/inbox/{item.pk}/read/").status_code == 302
    item.refresh_from_db()
    assert item.read_at is not None
