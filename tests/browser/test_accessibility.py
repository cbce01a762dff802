"""Keyboard use, labels, small screens, and the help page's generated diagram."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from incidents.models import Incident
from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_declare_with_the_keyboard_only(login):
    page = login("supervisor")
    page.goto(f"{page.base}/incidents/new/")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.get_by_role("link", name="跳到正文")).to_be_focused()
    page.get_by_label("标题").focus()
    page.keyboard.type("键盘登记的事件")
    page.keyboard.press("Tab")
    expect(page.get_by_label("事件类别")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("情况描述")).to_be_focused()
    page.get_by_label("标题").press("Enter")  # Enter in a text field submits the form
    expect(page.locator(".messages")).to_contain_text("事件已登记")
    assert Incident.objects.filter(title="键盘登记的事件").exists()


def test_every_form_field_has_a_label(login):
    page = login("gm")
    for path in ("/incidents/new/", "/inbox/", "/help/"):
        page.goto(page.base + path)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                 .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
                 .map(el => el.name)"""
        )
        assert unlabelled == [], (path, unlabelled)


def test_board_and_incident_page_fit_a_phone(login):
    page = login("supervisor", width=390, height=844)
    page.goto(f"{page.base}/incidents/new/")
    page.get_by_label("标题").fill("手机上登记")
    page.get_by_role("button", name="登记").click()
    expect(page.locator(".messages")).to_contain_text("事件已登记")
    for path in ("/", page.url.removeprefix(page.base)):
        page.goto(page.base + path)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)
    shot(page, "incident-phone")


def test_help_page_draws_the_lifecycle(login):
    page = login("agent")
    page.get_by_role("link", name="帮助").click()
    diagram = page.get_by_role("img", name="事件生命周期状态图")
    expect(diagram).to_be_visible()
    expect(diagram.locator("g.node")).to_have_count(9)
    expect(page.locator("#state-reported")).to_contain_text("第八条")
    shot(page, "help")
