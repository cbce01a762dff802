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


def test_statement_draft_vetted_by_head_office_then_published_and_who_acknowledged(login):
    """Art. 14-bis (3), issue 13: the complaint lead drafts, head office vets (acknowledging the hand-off in
    the inbox), the complaint lead publishes; the incident page shows who was told and who acknowledged."""
    incident_id = _activated("business_dispute", drill=True)
    lead = login("complaint_lead")
    lead.goto(f"{lead.base}/measures/{incident_id}/complaint/")
    section = lead.locator("#statement")
    section.locator("summary", has_text="起草声明").click()
    section.get_by_label("澄清声明").fill(
        "经核实，报道所述“乱扣费”系对年费规则的误解，本行已逐一联系客户说明。"
    )
    section.get_by_role("button", name="提交总行办公室审核").click()
    expect(lead.locator(".messages")).to_contain_text("澄清声明已提交总行办公室审核")
    expect(lead.locator("#statement")).to_contain_text("草稿·待总行办公室审核")
    expect(lead.locator("#statement")).not_to_contain_text("提交审核结论")  # the author does not vet

    office = login("hq_office")
    office.goto(f"{office.base}/escalation/inbox/")
    row = office.locator("tr", has_text="澄清声明待总行办公室审核").first
    expect(row).to_contain_text("需确认")
    row.get_by_role("button", name="确认收到").click()
    expect(office.locator(".messages")).to_contain_text("已确认收到")
    office.goto(f"{office.base}/measures/{incident_id}/complaint/")
    statement = office.locator("#statement")
    statement.get_by_label("审核结论").select_option("return")
    statement.get_by_role("button", name="提交审核结论").click()
    expect(office.locator("#statement .errorlist")).to_contain_text("退回时请写明修改意见")
    expect(office.locator("#statement .errorlist").first).to_be_in_viewport()
    statement = office.locator("#statement")
    statement.get_by_label("审核结论").select_option("approve")
    statement.get_by_role("button", name="提交审核结论").click()
    expect(office.locator(".messages")).to_contain_text("审核结论已记录")
    expect(office.locator("#statement")).to_contain_text("已审核·待发布")

    lead.reload()
    lead.locator("#statement").get_by_label("发布渠道").fill("本行官方微博")
    lead.locator("#statement").get_by_role("button", name="发布声明").click()
    expect(lead.locator(".messages")).to_contain_text("澄清声明已发布")
    expect(lead.locator("#statement")).to_contain_text("本行官方微博")
    shot(lead, "statement-published")

    lead.goto(f"{lead.base}/incidents/{incident_id}/")
    messages = lead.locator("#messages")
    told = messages.locator(
        'tr[data-recipient="郑办公室"][data-channel="inbox"]', has_text="澄清声明待总行办公室审核"
    )
    expect(told).to_contain_text("郑办公室")
    expect(told).to_contain_text("站内信")
    expect(told).to_contain_text("✔")  # acknowledged, by whom and when
    shot(lead, "incident-messages")
    lead.set_viewport_size({"width": 390, "height": 844})
    shot(lead, "incident-messages-phone")


def test_pickers_show_roles_and_termination_warns_about_open_measures(login):
    """Issue 12: the on-scene commander picker lists only who may command, by name with role; requesting
    termination with checklist items open warns (and still submits)."""
    incident_id = _activated("disaster", drill=True)
    gm = login("gm")
    gm.goto(f"{gm.base}/incidents/{incident_id}/do/execute/")
    options = gm.get_by_label("现场指挥").locator("option").all_inner_texts()
    assert any(text.startswith("李现场（") and "副组长" in text for text in options), options
    assert not any("钱审计" in text or "周坐席" in text for text in options), options  # auditor, agent
    gm.get_by_label("现场指挥").select_option(label=next(t for t in options if t.startswith("孙突发")))
    gm.get_by_role("button", name="开始实施").click()
    expect(gm.locator(".messages")).to_contain_text("开始实施")
    lead = login("sudden_lead")
    lead.goto(f"{lead.base}/incidents/{incident_id}/")
    expect(lead.locator(".measure-links")).to_contain_text("撤离点名")
    lead.goto(f"{lead.base}/incidents/{incident_id}/do/request_termination/")
    expect(lead.locator(".open-items")).to_contain_text("项预案措施未完成")
    expect(lead.locator(".open-items")).to_contain_text("每周五彻底清洁消毒")
    shot(lead, "termination-open-items")
