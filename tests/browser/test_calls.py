"""The desk calls people (issue 12), in Debian's Chromium: the board of a Leadership member plays its sound,
marks the tab title and raises a desktop notification for a new incident and for a decision that waits for
them; the approver's inbox holds the call within seconds of the request, and its SMS is delivered by a real
Celery worker (asynchronous channel) — all against a live server on PostgreSQL."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalation.models import Notification
from incidents import services as incident_services
from tests.browser.conftest import shot
from tests.escalation.worker import RedisServer, Worker
from tests.incidents.lifecycle import body_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Spies installed before any page script: what the board's alert script asks of the browser is recorded
# (a headless browser has no speaker and no desktop), and permission is granted as a click would.
SPIES = """
window.__plays = [];
HTMLMediaElement.prototype.play = function () { window.__plays.push(this.src); return Promise.resolve(); };
window.__notes = [];
function FakeNotification(title, options) { window.__notes.push(title); }
FakeNotification.permission = "default";
FakeNotification.requestPermission = function () {
  FakeNotification.permission = "granted";
  return Promise.resolve("granted");
};
window.Notification = FakeNotification;
"""


def wait_until(page, expression: str, seconds: float = 8) -> None:
    """Poll an expression with ``evaluate`` (the page's Content-Security-Policy forbids the eval that
    ``wait_for_function`` needs)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true within {seconds} s: {expression}"
        page.wait_for_timeout(100)


@pytest.fixture
def fast_board(settings):
    settings.BOARD_POLL_SECONDS = 1


def _move(org_users, incident_id: int, username: str, name: str, **extra) -> None:
    incident_services.incident_transition(
        incident_id=incident_id, name=name, user=org_users[username], data={**body_for(name), **extra}
    )


def _users():
    from django.contrib.auth import get_user_model

    return {u.username: u for u in get_user_model().objects.all()}


def _board_with_spies(login, username: str):
    page = login(username)
    page.context.add_init_script(SPIES)
    page.goto(f"{page.base}/")
    page.get_by_role("button", name="开启桌面通知").click()  # the user's click asks for permission
    expect(page.get_by_role("button", name="桌面通知已开启")).to_be_visible()
    return page


def test_the_board_calls_a_leader_for_a_new_incident_and_for_a_decision(login, fast_board):
    gm = _board_with_spies(login, "gm")
    title_before = gm.title()
    assert gm.evaluate("window.__plays.length") == 0

    users = _users()
    incident = incident_services.incident_declare(
        user=users["supervisor"],
        data={"title": "IVR 全部中断", "category": "system_outage", "detected_at": timezone.now()},
    )
    wait_until(gm, "window.__plays.length >= 1")
    assert gm.evaluate("window.__notes")[-1] == f"新事件 #{incident.pk}"
    assert gm.title().startswith("🔔") and gm.title() != title_before
    assert gm.evaluate("window.__plays[0]").endswith("/static/sounds/alert.wav")
    gm.keyboard.press("Escape")  # the viewer is back: the bell leaves the title
    expect(gm).to_have_title(title_before)

    reported_at = time.monotonic()
    _move(users, incident.pk, "agent", "report")
    wait_until(gm, "window.__plays.length >= 2")
    assert gm.evaluate("window.__notes")[-1] == "有事项等待您决定"
    assert gm.title().startswith("🔔 (1) ")  # one decision waits for the viewer
    expect(gm.locator("#nav-waiting .unread-badge")).to_have_text("1")
    shot(gm, "board-zh-desktop")

    # The call is already in the leader's inbox (written with the report, not 15 minutes later).
    gm.locator("#nav-unread").click()
    expect(gm.locator("tr.unread").first).to_contain_text("待您决策")
    expect(gm.locator("tr.unread").first).to_contain_text("IVR 全部中断")
    assert time.monotonic() - reported_at < 10


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """A real worker on the test database and a private Redis; this process publishes to it."""
    from config.celery import app

    server = RedisServer()
    server.start()
    old = app.conf.broker_url
    app.conf.broker_url = server.url
    app._pool = None
    app.amqp._producer_pool = None
    worker = Worker(server.url, tmp_path)
    worker.start()
    yield worker
    worker.stop()
    app.conf.broker_url = old
    app._pool = None
    app.amqp._producer_pool = None
    server.stop()


@pytest.mark.celery_worker
def test_building_security_is_called_for_a_termination_approval_within_seconds(
    login, fast_board, celery_worker
):
    users = _users()
    incident = incident_services.incident_declare(
        user=users["supervisor"],
        data={"title": "办公楼层火警", "category": "disaster", "detected_at": timezone.now()},
    )
    _move(users, incident.pk, "agent", "report")
    _move(users, incident.pk, "gm", "activate")
    _move(users, incident.pk, "sudden_lead", "execute")

    security = _board_with_spies(login, "security_head")
    plays = security.evaluate("window.__plays.length")
    requested_at = time.monotonic()
    lead = login("sudden_lead")
    lead.goto(f"{lead.base}/incidents/{incident.pk}/do/request_termination/")
    lead.get_by_label("处置情况总结").fill("火情已扑灭，人员全部安全撤离并返回")
    deadline = timezone.localtime(timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    lead.get_by_label("终止时限").fill(deadline)
    lead.get_by_role("button", name="申请终止").click()
    expect(lead.locator(".messages")).to_contain_text("申请终止")

    # Building security's board calls them…
    wait_until(security, f"window.__plays.length > {plays}")
    assert security.evaluate("window.__notes")[-1] == "有事项等待您决定"
    assert "(1)" in security.title()
    # …their inbox holds the call…
    security.goto(f"{security.base}/escalation/inbox/")
    expect(security.locator("tr.unread").first).to_contain_text("待您审批：终止申请")
    # …and the SMS they prefer is delivered by the worker, asynchronously, within seconds.
    deadline = time.monotonic() + 15
    sms = Notification.objects.filter(incident=incident, event="termination_approval_waiting", channel="sms")
    while time.monotonic() < deadline and not sms.filter(recipient_name="吴保卫", status="sent").exists():
        time.sleep(0.2)
    assert sms.filter(recipient_name="吴保卫", status="sent").exists(), list(
        sms.values("status", "last_error")
    )
    assert time.monotonic() - requested_at < 20
    # The approval inbox shows the request as a compact card with the open measures.
    security.goto(f"{security.base}/inbox/")
    card = security.locator(f'article[data-incident="{incident.pk}"]')
    expect(card).to_contain_text("火情已扑灭")
    expect(card).to_contain_text("项预案措施尚未完成")
    shot(security, "inbox-security-zh-desktop")
