"""Decision and investigation pages under stress (issue 12), in Debian's Chromium: the regulator choice is
made, not pre-selected, and recorded as chosen; the investigator reaches the investigation form from their
incident page and inbox, a date picker takes the due date, and a refused form keeps what was typed."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services as incident_services
from incidents.models import TimelineEntry
from reports.models import CorrectiveAction
from tests.browser.conftest import shot
from tests.incidents.lifecycle import body_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _users():
    from django.contrib.auth import get_user_model

    return {u.username: u for u in get_user_model().objects.all()}


def _incident(
    *moves: tuple[str, str, dict], title: str = "核心系统中断", category: str = "system_outage"
) -> int:
    users = _users()
    incident = incident_services.incident_declare(
        user=users["supervisor"],
        data={"title": title, "category": category, "detected_at": timezone.now()},
    )
    for username, name, extra in moves:
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=users[username], data={**body_for(name), **extra}
        )
    return incident.pk


def english(page) -> None:
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()


def test_the_regulator_choice_is_made_and_recorded_as_chosen(login):
    incident_id = _incident(("agent", "report", {}), ("gm", "activate", {}))
    gm = login("gm")
    gm.goto(f"{gm.base}/incidents/{incident_id}/")
    section = gm.locator("#regulator")
    report, no_report = (
        section.get_by_label("决定向监管部门报告"),
        section.get_by_label("决定不向监管部门报告"),
    )
    expect(report).not_to_be_checked()
    expect(no_report).not_to_be_checked()
    # Submitting without a choice is refused beside the field; the reason typed stays.
    section.get_by_label("理由").fill("仅影响内部坐席，客户未受影响")
    section.get_by_role("button", name="记录决定").click()
    section = gm.locator("#regulator")
    expect(section).to_contain_text("请选择是否向监管部门报告。")
    expect(section.get_by_label("理由")).to_have_value("仅影响内部坐席，客户未受影响")
    section.get_by_label("决定不向监管部门报告").check()
    section.get_by_role("button", name="记录决定").click()
    expect(gm.locator(".messages")).to_contain_text("已记录向监管部门报告的决定：决定不向监管部门报告。")
    expect(gm.locator("#regulator .regulator-decision")).to_contain_text("决定不向监管部门报告")
    expect(gm.locator(".timeline")).to_contain_text("向监管部门报告的决定：决定不向监管部门报告")
    entry = TimelineEntry.objects.get(incident_id=incident_id, action="regulator_decision")
    assert entry.payload["decision"] == "no_report"


def test_the_investigator_reaches_a_styled_investigation_page_and_keeps_their_text(login):
    users = _users()
    incident_id = _incident(
        ("agent", "report", {}),
        ("gm", "activate", {}),
        ("phone_lead", "execute", {}),
        ("phone_lead", "request_termination", {}),
        ("gm", "approve_termination", {}),
        ("gm", "investigate", {"investigators": [users["agent"].person.pk]}),
        title="坐席系统中断调查",
    )
    agent = login("agent")
    agent.goto(f"{agent.base}/incidents/{incident_id}/")
    expect(agent.locator("main")).not_to_contain_text("当前状态下没有对您开放的操作")
    agent.get_by_role("link", name="填写调查报告").first.click()
    expect(agent.get_by_role("heading", name="调查报告", exact=True)).to_be_visible()
    agent.get_by_label("直接原因").fill("核心交换机板卡故障")
    agent.get_by_role("button", name="保存调查报告").click()
    expect(agent.locator(".messages")).to_contain_text("已保存")
    expect(agent.get_by_label("直接原因")).to_have_value("核心交换机板卡故障")

    # A corrective action with its due date from the date picker; the title forgotten → refused, all kept.
    actions = agent.locator("#actions")
    assert actions.get_by_label("完成期限").get_attribute("type") == "date"
    actions.get_by_label("完成期限").fill("2026-12-15")
    actions.get_by_role("button", name="添加").click()
    actions = agent.locator("#actions")
    expect(actions.locator("#title-errors")).to_be_visible()
    expect(actions.get_by_label("完成期限")).to_have_value("2026-12-15")
    actions.get_by_label("措施").fill("核心交换机增加冗余板卡")
    actions.get_by_label("责任人").select_option(label="周坐席")
    actions.get_by_role("button", name="添加").click()
    expect(agent.locator(".messages")).to_contain_text("已保存")
    assert CorrectiveAction.objects.get(title="核心交换机增加冗余板卡").due_date.isoformat() == "2026-12-15"

    # The inbox leads there too.
    agent.goto(f"{agent.base}/inbox/")
    card = agent.locator(f'article[data-investigation="{incident_id}"]')
    card.get_by_role("link", name="填写调查报告").click()
    expect(agent).to_have_url(f"{agent.base}/reports/incidents/{incident_id}/investigation-form/")
    shot(agent, "investigation-zh-desktop")
    agent.set_viewport_size({"width": 390, "height": 844})
    shot(agent, "investigation-zh-phone")
    english(agent)
    expect(agent.get_by_role("heading", name="Investigation", exact=True)).to_be_visible()
    shot(agent, "investigation-en-phone")
    agent.set_viewport_size({"width": 1366, "height": 768})
    shot(agent, "investigation-en-desktop")


def test_the_inbox_card_and_board_read_in_both_languages_on_desktop_and_phone(login):
    """The approval inbox's compact card for a termination request: the open measures (in the reader's
    language), the latest update and the approvals; the board with its counts — zh and en, 1366 and 390 px."""
    incident_id = _incident(
        ("agent", "report", {}),
        ("gm", "activate", {}),
        ("sudden_lead", "execute", {}),
        ("sudden_lead", "request_termination", {}),
        title="办公楼层火警",
        category="disaster",
    )
    _incident(("agent", "report", {}), title="IVR 全部中断")  # a second card, newer: listed first
    security = login("security_head")
    security.goto(f"{security.base}/inbox/")
    cards = security.locator("article.decision")
    expect(cards).to_have_count(1)  # building security decides only the termination
    gm = login("gm")
    gm.goto(f"{gm.base}/inbox/")
    expect(gm.locator("article.decision").first).to_contain_text("IVR 全部中断")  # newest first
    card = gm.locator(f'article[data-incident="{incident_id}"]')
    expect(card).to_contain_text("项预案措施尚未完成")
    expect(card.locator("details.decide[open]")).to_have_count(0)  # forms folded: compact cards
    shot(gm, "inbox-zh-desktop")
    gm.set_viewport_size({"width": 390, "height": 844})
    shot(gm, "inbox-zh-phone")
    gm.goto(f"{gm.base}/")
    shot(gm, "board-zh-phone")
    english(gm)
    expect(gm.locator(".board-counts")).to_contain_text("My approvals")
    shot(gm, "board-en-phone")
    gm.set_viewport_size({"width": 1366, "height": 768})
    shot(gm, "board-en-desktop")
    gm.goto(f"{gm.base}/inbox/")
    card = gm.locator(f'article[data-incident="{incident_id}"]')
    expect(card).to_contain_text("plan measures still open")
    expect(card).not_to_contain_text("项预案措施尚未完成")
    shot(gm, "inbox-en-desktop")
    gm.set_viewport_size({"width": 390, "height": 844})
    shot(gm, "inbox-en-phone")
    gm.goto(f"{gm.base}/incidents/{incident_id}/")
    shot(gm, "incident-en-phone")
