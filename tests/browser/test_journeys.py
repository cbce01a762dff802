"""Each user's journey end to end in a real Chromium, as the demo users of DESIGN §7: declare → report →
activate → execute → progress with evidence → a measure done → request termination → each plan's approvers
(Art. 15–17) → terminated; a decline; two managers deciding at once; the auditor refused a write."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident, TimelineEntry
from tests.browser.conftest import shot
from tests.incidents.lifecycle import APPROVERS_OF_PLAN, CATEGORY_OF_PLAN, LEAD_OF_PLAN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def declare(page, *, title: str, category: str, drill: bool = False) -> int:
    page.get_by_role("link", name="登记事件").first.click()
    page.get_by_label("标题").fill(title)
    page.get_by_label("事件类别").select_option(category)
    page.get_by_label("情况描述").fill("坐席系统无法登录，排队量快速上升")
    if drill:
        page.get_by_label("演练").check()
    page.get_by_role("button", name="登记").click()
    expect(page.locator(".messages")).to_contain_text("事件已登记")
    return int(re.search(r"/incidents/(\d+)/", page.url).group(1))


def open_incident(page, incident_id: int) -> None:
    page.goto(f"{page.base}/incidents/{incident_id}/")


def report(page, incident_id: int) -> None:
    open_incident(page, incident_id)
    page.get_by_role("link", name="上报领导小组（申请启动）").click()
    page.get_by_label("事件情况").fill("IVR 与坐席系统中断 20 分钟")
    page.get_by_label("目前影响").fill("约 300 名客户无法接通")
    page.get_by_label("建议分级").select_option("II")
    page.get_by_role("button", name="上报领导小组（申请启动）").click()
    expect(page.locator(".messages")).to_contain_text("已报告·待决策")


def inbox_card(page, incident_id: int):
    page.goto(f"{page.base}/inbox/")
    return page.locator(f'article[data-incident="{incident_id}"]')


def decide(card, action: str, fields: dict[str, str]) -> None:
    details = card.locator("details.decide", has=card.page.locator("summary", has_text=action))
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    for label, value in fields.items():
        field = details.get_by_label(label)
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    details.get_by_role("button", name=action).click()


def activate(page, incident_id: int) -> None:
    card = inbox_card(page, incident_id)
    expect(card).to_contain_text("约 300 名客户无法接通")  # the evidence is in front of the decider
    decide(card, "启动预案", {"损害程度预测": "严重", "损害规模预测": "全行热线", "事件分级": "II"})
    expect(page.locator(".messages")).to_contain_text("已启动")


@pytest.mark.parametrize("plan", ["phone", "sudden", "complaint"])
def test_full_journey_of_each_plan(login, plan, tmp_path):
    supervisor = login("supervisor")
    incident_id = declare(supervisor, title=f"{plan} 预案全流程", category=CATEGORY_OF_PLAN[plan])
    expect(supervisor.locator(".state.big")).to_have_text("监测预警")

    report(login("agent"), incident_id)
    gm = login("gm")
    activate(gm, incident_id)

    lead = login(LEAD_OF_PLAN[plan])
    open_incident(lead, incident_id)
    lead.get_by_role("link", name="开始实施").click()
    picker = lead.get_by_label("现场指挥")  # names with their roles (issue 12)
    picker.select_option(
        label=next(t for t in picker.locator("option").all_inner_texts() if t.startswith("李现场（"))
    )
    lead.get_by_role("button", name="开始实施").click()
    expect(lead.locator(".state.big")).to_have_text("实施中")

    evidence = tmp_path / "接通率截图.txt"
    evidence.write_text("answer rate 62%", encoding="utf-8")
    lead.get_by_role("textbox", name="最新进展").fill("已启用IVR公告，二线人员已转一线")
    lead.get_by_label("附件（可多选）").set_input_files(str(evidence))
    lead.get_by_role("button", name="报告进展").click()
    expect(lead.locator(".messages")).to_contain_text("最新进展已报告")
    expect(lead.locator("#updates")).to_contain_text("接通率截图.txt")

    checklist = lead.locator("#checklist")
    checklist.locator("details summary").first.click()
    checklist.get_by_label("完成情况/证据").first.fill("已完成，见进展记录")
    checklist.get_by_role("button", name="标记完成").first.click()
    expect(lead.locator(".messages")).to_contain_text("措施已完成")

    lead.get_by_role("link", name="申请终止").click()
    lead.get_by_label("处置情况总结").fill("系统已恢复，接通率回到 85%")
    deadline = timezone.localtime() + timedelta(hours=2)
    lead.get_by_label("终止时限").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    lead.get_by_role("button", name="申请终止").click()
    expect(lead.locator(".state.big")).to_have_text("申请终止")
    if plan == "phone":
        shot(lead, "incident-page")

    approvers = APPROVERS_OF_PLAN[plan]
    for index, username in enumerate(approvers):
        approver = gm if username == "gm" else login(username)
        card = inbox_card(approver, incident_id)
        expect(card).to_contain_text("系统已恢复，接通率回到 85%")
        if plan == "sudden" and index == 0:
            shot(approver, "approval-inbox")
        decide(card, "批准终止", {"说明": "同意终止"})
        expected = "已终止" if index == len(approvers) - 1 else "申请终止"
        expect(approver.locator(".messages")).to_contain_text(f"当前状态：{expected}")

    open_incident(supervisor, incident_id)
    expect(supervisor.locator(".state.big")).to_have_text("已终止")
    expect(supervisor.get_by_role("link", name="查看报告")).to_be_visible()  # on to the investigation
    actions = list(TimelineEntry.objects.filter(incident_id=incident_id).values_list("action", flat=True))
    assert actions[:4] == ["declare", "report", "activate", "execute"]
    assert actions.count("approve_termination") == len(approvers)
    assert {"progress_update", "attachment_added", "checklist_done", "request_termination"} <= set(actions)


def _board_scene() -> None:
    """Incidents in several states, so the board (and its screenshot) shows every column at work."""
    from django.contrib.auth import get_user_model

    from incidents import services
    from tests.incidents.lifecycle import body_for

    users = {u.username: u for u in get_user_model().objects.all()}
    steps = {
        "IVR 排队超时": ["report"],
        "坐席系统登录失败": ["report", "activate", "execute"],
        "客户集中投诉扣费": ["report", "activate", "execute", "request_termination"],
    }
    actors = {
        "report": "agent",
        "activate": "gm",
        "execute": "supervisor",
        "request_termination": "complaint_lead",
    }
    for title, moves in steps.items():
        category = "business_dispute" if "投诉" in title else "system_outage"
        incident = services.incident_declare(
            user=users["supervisor"],
            data={
                "title": title,
                "category": category,
                "detected_at": timezone.now() - timedelta(minutes=20),
            },
        )
        for name in moves:
            services.incident_transition(
                incident_id=incident.pk, name=name, user=users[actors[name]], data=body_for(name)
            )


def test_board_is_live_and_marks_drills(login, settings):
    _board_scene()
    supervisor = login("supervisor")
    agent = login("agent")
    declare(agent, title="消防疏散演练", category="disaster", drill=True)
    supervisor.goto(f"{supervisor.base}/")
    ticket = supervisor.locator("article.ticket", has_text="消防疏散演练")
    expect(ticket).to_contain_text("演练")
    # a new incident appears without a reload (htmx polls the board's partial every 10 s)
    declare(agent, title="接通率骤降", category="service_level")
    expect(supervisor.locator("article.ticket", has_text="接通率骤降")).to_be_visible(timeout=15_000)
    shot(supervisor, "board")


def test_decline_from_the_inbox(login):
    incident_id = declare(login("supervisor"), title="误报：短时排队", category="service_level")
    report(login("agent"), incident_id)
    gm = login("gm")
    card = inbox_card(gm, incident_id)
    decide(card, "不予启动", {"理由": "影响有限，已自行恢复"})
    expect(gm.locator(".messages")).to_contain_text("已解除")
    assert Incident.objects.get(pk=incident_id).state == "dismissed"


def test_two_managers_deciding_at_once_one_wins_the_other_is_told(login):
    incident_id = declare(login("supervisor"), title="核心系统中断", category="system_outage")
    report(login("agent"), incident_id)
    gm, deputy = login("gm"), login("supervisor")
    fields = {"损害程度预测": "严重", "损害规模预测": "全行热线", "事件分级": "II"}
    gm_card, deputy_card = inbox_card(gm, incident_id), inbox_card(deputy, incident_id)
    decide(gm_card, "启动预案", fields)
    expect(gm.locator(".messages")).to_contain_text("已启动")
    typed = {**fields, "分级依据": "全行热线中断，影响约 300 名客户"}
    decide(deputy_card, "启动预案", typed)  # the deputy's page still shows the old state
    expect(deputy.locator(".messages")).to_contain_text("有人已先一步处理")
    # Who decided what, when, with which grade — and the deputy's own text, kept to reuse (issue 12).
    told = deputy.locator(".decided-first")
    expect(told).to_contain_text(f"#{incident_id}")
    expect(told).to_contain_text("王建国")
    expect(told).to_contain_text("启动预案")
    expect(told).to_contain_text("Ⅱ级 重大")
    expect(told.get_by_label("分级依据")).to_have_value("全行热线中断，影响约 300 名客户")
    shot(deputy, "decided-first-zh-desktop")
    assert TimelineEntry.objects.filter(incident_id=incident_id, action="activate").count() == 1


def test_auditor_reads_everything_and_a_write_is_refused(login):
    incident_id = declare(login("supervisor"), title="审计查看", category="system_outage")
    auditor = login("auditor")
    open_incident(auditor, incident_id)
    expect(auditor.locator("main")).to_contain_text("审计人员只读")
    assert auditor.locator(f'a[href*="/incidents/{incident_id}/do/"]').count() == 0
    assert auditor.locator("main form").count() == 0
    # typing the URL of a write: the form renders, the server refuses the submission
    auditor.goto(f"{auditor.base}/incidents/{incident_id}/do/report/")
    auditor.get_by_label("事件情况").fill("审计试图上报")
    auditor.get_by_label("目前影响").fill("无")
    auditor.get_by_role("button", name="上报领导小组（申请启动）").click()
    expect(auditor.locator(".messages")).to_contain_text("操作被拒绝：审计人员只读")
    assert Incident.objects.get(pk=incident_id).state == "monitoring"
