"""Issue 12, the English walk in the browser: the top bar is one row at 1366 px, the board with its
Organisation section open never scrolls sideways on a 390 px phone, empty states shrink below the incidents
on a phone, and short cells (an owner's name, a grade, a column heading) never break inside a word."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services
from tests.browser.conftest import shot
from tests.incidents.lifecycle import body_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# How many lines a text node takes: one rect per line box it is laid out on.
LINES = """(el) => { const r = document.createRange(); r.selectNodeContents(el);
  return new Set(Array.from(r.getClientRects()).map((b) => Math.round(b.top))).size; }"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def _fire_awaiting_termination() -> int:
    """A fire (two co-approvers) awaiting termination, and a phone incident under monitoring: the board has
    a card in its first and last columns and three empty states between them."""
    users = {u.username: u for u in get_user_model().objects.all()}
    services.incident_declare(
        user=users["supervisor"],
        data={"title": "核心业务系统查询超时", "category": "system_outage", "detected_at": timezone.now()},
    )
    incident = services.incident_declare(
        user=users["supervisor"],
        data={
            "title": "三楼机房冒烟，火警铃响，全员疏散",
            "category": "disaster",
            "kind": "fire",
            "detected_at": (timezone.now() - timedelta(minutes=20)).isoformat(),
        },
    )
    for username, name in [
        ("agent", "report"),
        ("gm", "activate"),
        ("sudden_lead", "execute"),
        ("sudden_lead", "request_termination"),
    ]:
        services.incident_transition(
            incident_id=incident.pk, name=name, user=users[username], data=body_for(name)
        )
    return incident.pk


def _english(page) -> None:
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_english_top_bar_is_one_row_at_1366(login):
    incident_id = _fire_awaiting_termination()
    desk = login("supervisor")
    _english(desk)
    for path in ("/", f"/incidents/{incident_id}/", "/inbox/", "/incidents/"):
        desk.goto(desk.base + path)
        height = desk.locator("header.topbar").bounding_box()["height"]
        assert height <= 60, (path, height)
        name = desk.locator(".who .id")  # name and role together, after the last nav link
        assert name.bounding_box()["x"] > desk.locator("header.topbar nav a").last.bounding_box()["x"]
    desk.goto(desk.base + "/")
    desk.locator("details.org-summary > summary").click()
    shot(desk, "board_org_en_1366")
    desk.goto(f"{desk.base}/incidents/{incident_id}/")
    expect(desk.locator("main")).to_contain_text(
        "Termination awaits: Leadership Group, Building head of security"
    )
    shot(desk, "incident_top_en_1366")
    gm = login("gm")
    _english(gm)
    assert gm.locator("header.topbar").bounding_box()["height"] <= 60
    gm.goto(gm.base + "/inbox/")
    shot(gm, "inbox_gm_en_1366")
    gm.goto(gm.base + "/incidents/")
    shot(gm, "list_gm_en_1366")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_phone_board_fits_and_leads_with_the_incidents(login, language):
    incident_id = _fire_awaiting_termination()
    phone = login("supervisor", width=390, height=844)
    if language == "en":
        _english(phone)
    phone.goto(phone.base + "/")
    card = phone.locator(f'article[data-incident="{incident_id}"]')
    expect(card).to_be_visible()
    # the empty states are one line each, below the columns holding incidents
    empty = phone.locator(".board .column.is-empty")
    assert empty.count() == 3
    for column in empty.all():
        box = column.bounding_box()
        assert box["height"] < 50 and box["y"] > card.bounding_box()["y"], box
    first = phone.locator(".board .ticket").first.bounding_box()
    assert first["y"] + 120 < 844, first  # the first card's title and facts are on the first screen
    phone.locator("details.org-summary > summary").click()
    expect(phone.locator("table.parties")).to_be_visible()
    assert phone.evaluate(OVERFLOW) <= 1
    for cell in phone.locator("table.parties td").all():
        box = cell.bounding_box()
        assert box["x"] + box["width"] <= 390 + 1, cell.inner_text()
    shot(phone, f"board_org_{language}_390")
    phone.goto(f"{phone.base}/incidents/{incident_id}/")
    assert phone.evaluate(OVERFLOW) <= 1
    shot(phone, f"incident_top_{language}_390")
    phone.goto(phone.base + "/incidents/")
    assert phone.evaluate(OVERFLOW) <= 1
    shot(phone, f"list_{language}_390")
    gm = login("gm", width=390, height=844)
    if language == "en":
        _english(gm)
    gm.goto(gm.base + "/inbox/")
    assert gm.evaluate(OVERFLOW) <= 1
    who = gm.locator(".who .id").bounding_box()
    assert who["x"] + who["width"] <= 390 + 1
    shot(gm, f"inbox_gm_{language}_390")


def test_names_grades_and_headings_never_break_inside_a_word_at_1366(login):
    incident_id = _fire_awaiting_termination()
    desk = login("gm")
    desk.goto(f"{desk.base}/incidents/{incident_id}/")
    for heading in desk.locator("table.checklist th").all():
        assert heading.evaluate(LINES) == 1, heading.inner_text()
    owners = desk.locator("table.checklist td.owner").all()
    assert owners
    for owner in owners:
        assert owner.evaluate(LINES) == 1, owner.inner_text()
    assert desk.locator("#facts .grade").evaluate(LINES) == 1
    shot(desk, "incident_top_zh_1366")
    desk.goto(desk.base + "/")
    desk.locator("details.org-summary > summary").click()
    shot(desk, "board_org_zh_1366")
    desk.goto(desk.base + "/incidents/")
    grades = desk.locator("table.incident-list td.grade").all()
    assert grades
    for grade in grades:
        assert grade.evaluate(LINES) == 1, grade.inner_text()
    shot(desk, "list_gm_zh_1366")
    desk.goto(desk.base + "/inbox/")
    shot(desk, "inbox_gm_zh_1366")
