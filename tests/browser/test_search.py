"""Finding a finished incident in the browser (issue 12): the auditor, who cannot remember numbers, opens
"查找事件" from the top bar, types a word that only a progress update holds, and reaches the closed case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services
from incidents.models import Incident
from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def incidents_on_record() -> int:
    """A closed outage whose progress update names the fuse, and a few others around it."""
    supervisor = get_user_model().objects.get(username="supervisor")
    now = timezone.now()
    closed = None
    for n, (title, category, drill) in enumerate(
        [
            ("核心系统中断，IVR 无法转人工", "system_outage", False),
            ("三楼机房烟感报警", "disaster", False),
            ("演练：群体投诉处置", "business_dispute", True),
            ("接通率跌破 60%", "service_level", False),
        ]
    ):
        incident = services.incident_declare(
            user=supervisor,
            data={
                "title": title,
                "category": category,
                "description": "值班主管登记",
                "detected_at": (now - timedelta(days=n * 9 + 1)).isoformat(),
                "is_drill": drill,
            },
        )
        if closed is None:
            services.incident_add_update(
                incident_id=incident.pk, user=supervisor, data={"text": "电工更换了配电柜的熔断器，线路恢复"}
            )
            closed = incident.pk
    # Closing needs a complete investigation report (walked by the journey tests): set the state directly.
    Incident.objects.filter(pk=closed).update(state="closed")
    assert closed is not None
    return closed


def test_the_auditor_finds_a_closed_incident_by_a_word_of_its_updates(login):
    closed = incidents_on_record()
    auditor = login("auditor")
    expect(auditor.locator(".board")).not_to_contain_text("核心系统中断"), "a closed case is off the board"
    auditor.get_by_role("navigation", name="主导航").get_by_role("link", name="查找事件").click()
    expect(auditor.get_by_role("heading", name="查找事件")).to_be_visible()
    auditor.get_by_role("searchbox", name="关键词").fill("熔断器")
    auditor.get_by_role("button", name="查找", exact=True).click()
    expect(auditor.locator(".result-count")).to_have_text("找到 1 起事件。")
    row = auditor.locator(f'tr[data-incident="{closed}"]')
    expect(row).to_contain_text("已结案")
    shot(auditor, "search-zh-desktop")

    auditor.get_by_label("状态").select_option(label="进行中（看板上的）")
    auditor.get_by_role("button", name="筛选").click()
    expect(auditor.locator(".result-count")).to_have_text("找到 0 起事件。")
    auditor.get_by_label("状态").select_option(label="全部状态")
    auditor.get_by_role("button", name="筛选").click()
    auditor.get_by_role("link", name="核心系统中断").click()
    expect(auditor.locator(".state.big")).to_have_text("已结案")

    auditor.get_by_role("button", name="English").click()
    auditor.goto(f"{auditor.base}/incidents/?q=%E7%86%94%E6%96%AD%E5%99%A8")
    expect(auditor.locator(".result-count")).to_have_text("1 incident found.")
    shot(auditor, "search-en-desktop")

    phone = login("supervisor", width=390, height=844)
    phone.goto(f"{phone.base}/incidents/?drill=exclude")
    expect(phone.locator("tr[data-incident]")).to_have_count(3)
    shot(phone, "search-zh-phone")
    phone.get_by_role("button", name="English").click()
    phone.goto(f"{phone.base}/incidents/?sort=title")
    expect(phone.locator("tr[data-incident]")).to_have_count(4)
    shot(phone, "search-en-phone")
