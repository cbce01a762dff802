"""Issue 14 in a real Chromium: the Leadership Group decides to report, records the phone report on the
incident page (with its evidence), the board shows the deadline's outcome, a second deadline is waived by two
deciders, and the deputy names an acting leader on the organisation page — in Chinese and in English, on a
desktop and on a 390 px phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services
from incidents.models import RegulatorDeadline
from tests.browser.conftest import shot
from tests.incidents.lifecycle import body_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _activated(org_users) -> int:
    incident = services.incident_declare(
        user=org_users["supervisor"],
        data={
            "title": "接通率跌破 60%",
            "category": "service_level",
            "detected_at": (timezone.now() - timedelta(minutes=20)).isoformat(),
        },
    )
    for username, name in [("agent", "report"), ("gm", "activate")]:
        services.incident_transition(
            incident_id=incident.pk, name=name, user=org_users[username], data=body_for(name)
        )
    return incident.pk


def test_regulator_deadlines_and_acting_leaders_in_the_browser(login):
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.all()}
    incident_id = _activated(users)
    gm = login("gm")
    gm.goto(f"{gm.base}/incidents/{incident_id}/")
    regulator = gm.locator("#regulator")
    regulator.get_by_label("决定向监管部门报告", exact=True).check()
    regulator.get_by_label("重大操作风险事件").check()
    regulator.get_by_label("理由").fill("影响全行热线，须报告")
    regulator.get_by_role("button", name="记录决定").click()
    expect(gm.locator(".messages")).to_contain_text("已记录向监管部门报告的决定")
    phone = RegulatorDeadline.objects.get(incident_id=incident_id, kind="regulator_phone_report")
    row = gm.locator(f"#regulator-deadline-{phone.pk}")
    row.locator("summary", has_text="登记报送").click()
    row.get_by_label("报送方式").select_option("phone")
    row.get_by_label("监管部门").fill("国家金融监督管理总局某监管分局")
    row.get_by_role("button", name="登记报送").click()
    expect(gm.locator(".messages")).to_contain_text("已登记监管报送")
    expect(gm.locator(f"#regulator-deadline-{phone.pk}")).to_contain_text("按时报送")

    risk = RegulatorDeadline.objects.get(incident_id=incident_id, kind="regulator_major_risk")
    row = gm.locator(f"#regulator-deadline-{risk.pk}")
    row.locator("summary", has_text="申请豁免").click()
    row.get_by_label("豁免理由").fill("经核实不属重大操作风险事件")
    row.get_by_role("button", name="申请豁免").click()
    expect(gm.locator(f"#regulator-deadline-{risk.pk}")).to_contain_text("待第二人批准")
    shot(gm, "regulator-incident-zh-desktop")

    deputy = login("supervisor", width=390, height=844)
    deputy.goto(f"{deputy.base}/incidents/{incident_id}/")
    deputy.locator(f"#regulator-deadline-{risk.pk}").get_by_role(
        "button", name="批准豁免（四眼原则）"
    ).click()
    expect(deputy.locator(f"#regulator-deadline-{risk.pk}")).to_contain_text("未报送（经豁免）")
    shot(deputy, "regulator-incident-zh-phone")
    deputy.goto(f"{deputy.base}/")
    expect(deputy.locator(f'article[data-incident="{incident_id}"]')).to_contain_text("按时报送")
    shot(deputy, "board-zh-phone")

    deputy.goto(f"{deputy.base}/org/")
    deputy.locator("#acting summary").click()
    deputy.get_by_label("代理人").select_option(label="孙突发")
    deputy.get_by_label("理由").fill("副组长夜间不在岗")
    deputy.get_by_role("button", name="指定", exact=True).click()
    expect(deputy.locator("#acting")).to_contain_text("孙突发")
    shot(deputy, "acting-zh-phone")

    gm.goto(f"{gm.base}/")
    gm.locator("button[name=language][value=en]").click()
    gm.wait_for_load_state()
    gm.goto(f"{gm.base}/incidents/{incident_id}/")
    expect(gm.locator("#regulator")).to_contain_text("Met")
    expect(gm.locator("#regulator")).to_contain_text("Missed (waived)")
    shot(gm, "regulator-incident-en-desktop")
    gm.goto(f"{gm.base}/reports/incidents/{incident_id}/?lang=en")
    expect(gm.locator("#regulator")).to_contain_text("Missed (waived)")
    shot(gm, "report-regulator-en-desktop")
