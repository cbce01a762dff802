"""Complaints one by one in the browser (issue 13): the complaint lead registers three complaints of one
incident and sees three clocks; closing one (its handler) stops its clock."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.test_measures import _activated

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_complaint_lead_registers_three_complaints_and_sees_three_clocks(login):
    incident_id = _activated("business_dispute")
    lead = login("complaint_lead")
    lead.goto(f"{lead.base}/measures/{incident_id}/complaint/")
    for customer, phone, complex_case in (
        ("张女士", "13812345678", False),
        ("李先生", "13987654321", False),
        ("王先生", "13700001111", True),
    ):
        section = lead.locator("#case")
        section.locator("summary", has_text="指定处理人").click()
        form = section.locator("form").last
        form.locator("#id_case-customer").fill(customer)
        form.get_by_label("联系方式").fill(phone)
        form.get_by_label("涉及金额（元）").fill("1200.50")
        form.get_by_label("投诉内容").fill("信用卡年费重复扣收")
        if complex_case:
            form.get_by_label("复杂投诉（30日）").check()
        form.locator("#id_case-handler").select_option(index=1)
        form.get_by_role("button", name="指定").click()
        expect(lead.locator(".messages")).to_contain_text("已指定投诉处理人")
    clocks = lead.locator("#case .complaint-clock")
    expect(clocks).to_have_count(3)
    expect(clocks.nth(0)).to_contain_text("15 日内办结")
    expect(clocks.nth(2)).to_contain_text("30 日内办结")
    # personal data masked for a reader who has not revealed it
    expect(lead.locator("#case")).not_to_contain_text("13812345678")
    shot(lead, "complaints-three-clocks")

    first = lead.locator("#case li").first
    first.locator("summary", has_text="办结该投诉").click()
    first.get_by_label("办结情况").fill("已退还年费")
    first.get_by_role("button", name="办结").click()
    expect(lead.locator(".messages")).to_contain_text("投诉已办结，计时已停止")
    expect(lead.locator("#case .complaint-clock")).to_have_count(2)

    # the same page in English on a 390 px phone: the clocks and the close control are translated
    phone = login("complaint_lead", width=390, height=844)
    phone.goto(f"{phone.base}/measures/{incident_id}/complaint/")
    shot(phone, "complaints-phone-zh")
    phone.get_by_role("button", name="English").click()
    phone.goto(f"{phone.base}/measures/{incident_id}/complaint/")
    expect(phone.locator("#case summary", has_text="Close this complaint")).to_have_count(2)
    expect(phone.locator("#case")).to_contain_text("Closed")
    shot(phone, "complaints-phone-en")
