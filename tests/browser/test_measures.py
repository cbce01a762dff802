"""The plans' measures in the browser: the A/B rotation roster and the evacuation roll call (Art. 14), and
the complaint plan's dispute-resolution plan approved by the Leadership Group (Art. 14-bis (2))."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services as incident_services
from teams import selectors as team_selectors
from tests.browser.conftest import shot
from tests.incidents.lifecycle import body_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _activated(category: str, *, drill: bool = False) -> int:
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.all()}
    incident = incident_services.incident_declare(
        user=users["supervisor"],
        data={
            "title": "办公楼层火情",
            "category": category,
            "detected_at": timezone.now(),
            "is_drill": drill,
        },
    )
    for username, name in (("agent", "report"), ("gm", "activate")):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=users[username], data=body_for(name)
        )
    return incident.pk


def test_roster_and_roll_call(login):
    incident_id = _activated("disaster", drill=True)
    lead = login("sudden_lead")
    lead.goto(f"{lead.base}/incidents/{incident_id}/")
    lead.get_by_role("link", name="A/B轮换排班").click()
    lead.get_by_label("轮换周期（天）").fill("8")
    lead.get_by_role("button", name="生成").click()
    expect(lead.locator("#period_days-errors")).to_contain_text("7")  # refused, with the reason on the field
    lead.get_by_label("轮换周期（天）").fill("2")
    lead.get_by_role("button", name="生成").click()
    expect(lead.locator(".messages")).to_contain_text("A/B轮换排班已生成")
    group_a = lead.locator('section[aria-labelledby="group-A"] tbody tr')
    group_b = lead.locator('section[aria-labelledby="group-B"] tbody tr')
    assert abs(group_a.count() - group_b.count()) <= 1
    assert group_a.count() + group_b.count() == team_selectors.all_staff().count()
    expect(lead.get_by_role("button", name="打印")).to_be_visible()
    shot(lead, "roster")

    security = login("security_head")
    security.goto(f"{security.base}/measures/{incident_id}/roll-call/")
    lead.goto(f"{lead.base}/measures/{incident_id}/roll-call/")
    lead.get_by_label("集合地点").fill("大厦东侧广场")
    lead.get_by_role("button", name="开始点名").click()
    expect(lead.locator(".messages")).to_contain_text("撤离点名已开始")
    expected = int(lead.locator(".tally .tile .n").first.inner_text())
    for name in ("陈一", "褚二", "卫三"):
        lead.get_by_role("button", name=f"{name}：已到").click()
    expect(lead.locator('[data-count="accounted"]')).to_have_text("3")
    lead.get_by_role("button", name="杨七：失联").click()
    expect(lead.locator('[data-count="missing"]')).to_have_text("1")
    # the building's security head sees the count move without reloading (htmx polls every 5 s)
    security.reload()
    expect(security.locator('[data-count="accounted"]')).to_have_text("3")
    lead.get_by_role("button", name="朱八：已到").click()
    expect(security.locator('[data-count="accounted"]')).to_have_text("4", timeout=12_000)
    expect(lead.locator('[data-count="unknown"]')).to_have_text(str(expected - 5))
    shot(lead, "roll-call")


def test_dispute_plan_approved_by_leadership_not_by_its_author(login):
    incident_id = _activated("business_dispute")
    deputy = login("supervisor")
    deputy.goto(f"{deputy.base}/measures/{incident_id}/complaint/")
    dispute = deputy.locator("#dispute_plan")
    dispute.locator("summary", has_text="提出方案").click()
    dispute.get_by_label("纠纷解决方案").fill("退还手续费，分行协助上门致歉")
    dispute.get_by_role("button", name="提交审批").click()
    expect(deputy.locator(".messages")).to_contain_text("纠纷解决方案已提交领导小组审批")
    expect(deputy.locator("#dispute_plan")).not_to_contain_text("审批方案")  # four-eyes: not its author

    gm = login("gm")
    gm.goto(f"{gm.base}/inbox/")
    expect(gm.locator("main")).to_contain_text("退还手续费，分行协助上门致歉")
    gm.get_by_role("link", name="去审批").click()
    gm.locator("#dispute_plan").get_by_label("决定").select_option("approve")
    gm.locator("#dispute_plan").get_by_role("button", name="审批方案").click()
    expect(gm.locator(".messages")).to_contain_text("已审批纠纷解决方案")
    expect(gm.locator("#dispute_plan")).to_contain_text("已批准，可实施")


def test_supervisor_roll_call_before_activation_closing_with_a_missing_person(login):
    """Art. 14 (3) and issue 12: the on-site supervisor starts the roll call on a just-declared fire; closing
    with someone 失联 asks for a confirmation and a reason beside the fields, tells the Leadership Group and
    building security, and the missing person stays open for updates; phone numbers are on the rows."""
    from django.contrib.auth import get_user_model

    supervisor_user = get_user_model().objects.get(username="supervisor")
    incident = incident_services.incident_declare(
        user=supervisor_user,
        data={"title": "三楼冒烟", "category": "disaster", "detected_at": timezone.now(), "is_drill": True},
    )
    page = login("supervisor")
    page.goto(f"{page.base}/measures/{incident.pk}/roll-call/")
    page.get_by_label("集合地点").fill("大厦东侧广场")
    page.get_by_role("button", name="开始点名").click()
    expect(page.locator(".messages")).to_contain_text("撤离点名已开始")
    expect(page.locator('tr[data-person="周坐席"]')).to_contain_text("13800000006")
    rows = page.locator("table.roll tbody tr")
    names = [rows.nth(i).get_attribute("data-person") for i in range(rows.count())]
    for name in names:
        if name != "杨七":
            page.get_by_role("button", name=f"{name}：已到").click()
    page.get_by_role("button", name="杨七：失联").click()
    expect(page.locator('[data-count="missing"]')).to_have_text("1")
    page.locator("#close-roll-call").get_by_role("button", name="结束点名").click()
    errors = page.locator("#reason-errors")
    expect(errors).to_contain_text("说明理由")
    expect(errors).to_be_in_viewport()
    page.get_by_label("确认在有人失联的情况下结束点名").check()
    page.get_by_label("理由").fill("消防已进入楼层搜救")
    page.locator("#close-roll-call").get_by_role("button", name="结束点名").click()
    expect(page.locator(".messages")).to_contain_text("撤离点名已结束")
    expect(page.locator(".notice")).to_contain_text("1 人失联")
    expect(page.get_by_role("button", name="陈一：已到")).to_have_count(0)
    shot(page, "roll-call-closed-missing")
    security = login("security_head")
    security.goto(f"{security.base}/escalation/inbox/")
    expect(security.locator("body")).to_contain_text("仍有 1 人失联")
    page.get_by_role("button", name="杨七：已到").click()
    expect(page.locator('tr[data-person="杨七"]')).to_contain_text("已到")
    expect(page.get_by_role("button", name="杨七：已到")).to_have_count(0)
