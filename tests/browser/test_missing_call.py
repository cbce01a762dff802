"""The board calls its viewer when someone is 失联 (Art. 14 (3)), in Debian's Chromium: a person marked
missing in the roll call makes the live board play its sound, mark the tab title and raise a desktop
notification naming the incident and the count; a second person missing calls again; someone found does
not — and the call is already in the viewer's inbox, naming the person and their phone."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services as incident_services
from measures import services
from tests.browser.conftest import shot
from tests.browser.test_calls import SPIES, _users, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fast_board(settings):
    settings.BOARD_POLL_SECONDS = 1


def test_the_board_calls_when_a_person_becomes_missing(login, fast_board):
    users = _users()
    incident = incident_services.incident_declare(
        user=users["supervisor"],
        data={"title": "三楼冒烟", "category": "disaster", "detected_at": timezone.now()},
    )
    roll_call = services.roll_call_start(
        incident_id=incident.pk, user=users["supervisor"], data={"assembly_point": "大厦东侧广场"}
    )
    entries = {entry.person.name: entry.pk for entry in roll_call.entries.select_related("person")}

    gm = login("gm")
    gm.context.add_init_script(SPIES)
    gm.goto(f"{gm.base}/")
    gm.get_by_role("button", name="开启桌面通知").click()
    expect(gm.get_by_role("button", name="桌面通知已开启")).to_be_visible()
    title_before = gm.title()
    gm.wait_for_timeout(1500)  # a poll or two with nothing new: silence
    assert gm.evaluate("window.__plays.length") == 0 and gm.title() == title_before

    services.roll_call_mark(entry_id=entries["周坐席"], user=users["supervisor"], data={"status": "missing"})
    card = gm.locator(f'article[data-incident="{incident.pk}"] .alert-danger')
    expect(card).to_have_text("失联 1 人", timeout=10_000)
    wait_until(gm, "window.__plays.length >= 1")
    assert gm.evaluate("window.__notes")[-1] == f"#{incident.pk} 失联 1 人"
    assert gm.title().startswith("🔔") and gm.title() != title_before
    assert gm.evaluate("window.__plays[0]").endswith("/static/sounds/alert.wav")
    shot(gm, "missing-call-board-zh")
    gm.keyboard.press("Escape")  # the viewer has seen it: the bell leaves the title
    expect(gm).to_have_title(title_before)

    # a second person missing: the count grows, the board calls again
    services.roll_call_mark(entry_id=entries["陈一"], user=users["supervisor"], data={"status": "missing"})
    wait_until(gm, "window.__plays.length >= 2")
    assert gm.evaluate("window.__notes")[-1] == f"#{incident.pk} 失联 2 人"
    assert gm.title().startswith("🔔")
    gm.keyboard.press("Escape")

    # one found: the badge shrinks, and the board stays quiet
    services.roll_call_mark(entry_id=entries["陈一"], user=users["supervisor"], data={"status": "safe"})
    expect(card).to_have_text("失联 1 人", timeout=10_000)
    gm.wait_for_timeout(1500)
    assert gm.evaluate("window.__plays.length") == 2
    expect(gm).to_have_title(title_before)

    # the call itself is already in the inbox, naming the person and their phone
    gm.locator("#nav-unread").click()
    expect(gm.locator("tr.unread").first).to_contain_text("已找到")
    expect(gm.get_by_text("撤离点名：周坐席 失联 13800000006")).to_be_visible()
