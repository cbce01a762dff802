"""Issue 13 in the browser: Art. 18's after-event work recorded after the termination and completed by its
owner; Art. 14 (1)'s second-line people moved to the front line, shown on the A/B roster as their line for
this incident."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services as incident_services
from teams.models import Person
from tests.browser.conftest import shot
from tests.incidents.lifecycle import body_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _users() -> dict:
    from django.contrib.auth import get_user_model

    return {u.username: u for u in get_user_model().objects.all()}


def _activated() -> int:
    users = _users()
    incident = incident_services.incident_declare(
        user=users["supervisor"],
        data={"title": "办公楼层火情", "category": "disaster", "detected_at": timezone.now()},
    )
    for username, name in (("agent", "report"), ("gm", "activate")):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=users[username], data=body_for(name)
        )
    return incident.pk


def _terminate(incident_id: int) -> None:
    users = _users()
    for username, name in (
        ("sudden_lead", "execute"),
        ("sudden_lead", "request_termination"),
        ("gm", "approve_termination"),
        ("security_head", "approve_termination"),
    ):
        incident_services.incident_transition(
            incident_id=incident_id, name=name, user=users[username], data=body_for(name)
        )


def test_after_event_work_is_recorded_after_termination_and_completed_by_its_owner(login):
    incident_id = _activated()
    _terminate(incident_id)
    owner = Person.objects.get(user__username="agent")
    lead = login("sudden_lead")
    lead.goto(f"{lead.base}/incidents/{incident_id}/")
    lead.get_by_role("link", name="事后工作（第十八条）").click()
    lead.get_by_role("combobox", name="事后工作").select_option("restore_order")
    lead.get_by_label("具体内容").fill("恢复坐席正常排班")
    lead.get_by_label("责任人").select_option(str(owner.pk))
    lead.get_by_label("完成时限").fill("2020-01-01T09:00")
    lead.get_by_role("button", name="登记", exact=True).click()
    expect(lead.locator("#due_at-errors")).to_contain_text("晚于现在")  # refused, the reason on the field
    due = timezone.localtime(timezone.now() + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M")
    lead.get_by_label("完成时限").fill(due)
    lead.get_by_role("button", name="登记", exact=True).click()
    expect(lead.locator(".messages")).to_contain_text("事后工作已登记")
    row = lead.locator("table.after-event tbody tr").first
    expect(row).to_contain_text("协助恢复正常秩序：恢复坐席正常排班")
    expect(row).to_contain_text("周坐席")
    shot(lead, "after-event")

    agent = login("agent")
    agent.goto(f"{agent.base}/measures/{incident_id}/after-event/")
    agent.get_by_text("标记完成…").click()
    agent.get_by_label("完成情况/证据").fill("坐席排班已恢复为常态")
    agent.get_by_role("button", name="标记完成").click()
    expect(agent.locator(".messages")).to_contain_text("逾期提醒已停止")
    expect(agent.locator("table.after-event tbody tr.done")).to_contain_text("坐席排班已恢复为常态")


def test_second_line_moved_to_the_front_shows_on_the_roster_until_termination(login):
    incident_id = _activated()
    lead = login("sudden_lead")
    lead.goto(f"{lead.base}/measures/{incident_id}/roster/")
    lead.get_by_role("button", name="调入一线").click()
    expect(lead.locator("#people-errors")).to_contain_text("请至少选择一名二线人员")
    lead.locator(".second-line-form").get_by_label("杨七").check()
    lead.get_by_label("说明").fill("话务量激增")
    lead.get_by_role("button", name="调入一线").click()
    expect(lead.locator(".messages")).to_contain_text("已将所选二线人员调入一线")
    moved = lead.locator('table.front-line-moves tr[data-person="杨七"]')
    expect(moved).to_contain_text("在一线（本事件期间）")
    expect(moved).to_contain_text("孙突发")  # by whom
    expect(lead.locator(".second-line-form").get_by_label("杨七")).to_have_count(0)  # not offered twice
    lead.get_by_label("轮换周期（天）").fill("2")
    lead.get_by_role("button", name="生成", exact=True).click()
    on_roster = lead.locator('.roster tr[data-person="杨七"]')
    expect(on_roster).to_have_attribute("data-line", "first")
    expect(on_roster).to_contain_text("二线调入（本事件）")
    shot(lead, "second-line-roster")

    _terminate(incident_id)
    lead.reload()
    expect(on_roster).to_have_attribute("data-line", "second")
    expect(on_roster).to_contain_text("调入一线已于")
    expect(lead.locator('table.front-line-moves tr[data-person="杨七"]')).to_contain_text("恢复二线")
    expect(lead.locator(".second-line-form")).to_have_count(0)  # the plan is over: no more moves
