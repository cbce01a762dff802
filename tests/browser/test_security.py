"""Issue 16 in the browser: a leader without a second factor is sent to enrol, enrols with the QR code drawn
by the desk, and then activates; the complaint group reveals one masked record with a reason; an auditor
reads the read log. Desktop and 390 px phone, zh and en (screenshots with SHOTS_DIR)."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from incidents import services as incident_services
from incidents.models import Incident
from measures import services as measure_services
from teams import selectors as team_selectors
from tests.browser.conftest import shot
from tests.incidents.lifecycle import body_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.second_factor]


def _reported(category: str) -> int:
    users = {u.username: u for u in get_user_model().objects.all()}
    incident = incident_services.incident_declare(
        user=users["supervisor"],
        data={"title": "客户集中投诉扣费", "category": category, "detected_at": timezone.now()},
    )
    incident_services.incident_transition(
        incident_id=incident.pk, name="report", user=users["agent"], data=body_for("report")
    )
    return incident.pk


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_enrol_then_activate_then_reveal_then_read_the_log(login):
    incident_id = _reported("business_dispute")
    gm = login("gm")
    gm.goto(f"{gm.base}/incidents/{incident_id}/do/activate/")
    gm.locator("[name=damage_degree]").fill("严重")
    gm.locator("[name=damage_scale]").fill("多家分行客户")
    gm.locator("form button.primary").click()
    expect(gm.locator(".messages")).to_contain_text("绑定验证器")
    expect(gm.locator("h1")).to_have_text("二次验证")
    shot(gm, "security-verify-no-device")
    gm.get_by_role("link", name="去绑定").click()
    gm.get_by_role("button", name="绑定验证器").click()
    expect(gm.locator("figure.qr svg")).to_be_visible()
    shot(gm, "security-account-qr")
    device = TOTPDevice.objects.get(user__username="gm", confirmed=False)
    gm.get_by_label("动态码或恢复码").fill(_code(device))
    gm.get_by_role("button", name="确认绑定").click()
    expect(gm.locator(".recovery-codes li")).to_have_count(10)
    shot(gm, "security-account-recovery-codes")

    gm.goto(f"{gm.base}/incidents/{incident_id}/do/activate/")
    gm.locator("[name=damage_degree]").fill("严重")
    gm.locator("[name=damage_scale]").fill("多家分行客户")
    gm.locator("form button.primary").click()
    expect(gm.locator(".messages")).to_contain_text("已启动")
    assert Incident.objects.get(pk=incident_id).state == "activated"

    users = {u.username: u for u in get_user_model().objects.all()}
    measure_services.complaint_case_assign(
        incident_id=incident_id,
        user=users["complaint_lead"],
        data={
            "customer": "张秀英",
            "description": "客户电话 13812345678 反映重复扣费",
            "handler": team_selectors.team_lead(team_code="complaint").pk,
        },
    )
    lead = login("complaint_lead")
    lead.goto(f"{lead.base}/measures/{incident_id}/complaint/")
    expect(lead.locator("#case")).to_contain_text("张**")
    expect(lead.locator("#case")).not_to_contain_text("13812345678")
    lead.locator("#case summary", has_text="查看客户信息").click()
    lead.get_by_label("查看理由（将记入读取记录）").fill("回访客户核实扣费")
    lead.get_by_role("button", name="查看", exact=True).click()
    expect(lead.locator("#case")).to_contain_text("13812345678")
    shot(lead, "security-complaint-revealed")

    auditor = login("auditor")
    auditor.get_by_role("link", name="读取记录").click()
    auditor.get_by_label("类型").select_option("reveal")
    auditor.get_by_role("button", name="筛选").click()
    expect(auditor.locator("tbody tr")).to_have_count(1)
    expect(auditor.locator("tbody")).to_contain_text("回访客户核实扣费")
    shot(auditor, "security-read-log")

    phone = login("gm", width=390, height=844)
    phone.get_by_role("button", name="English").click()
    phone.goto(f"{phone.base}/security/account/")
    expect(phone.locator("h1")).to_have_text("My account")
    shot(phone, "security-account-phone-en")
    phone.goto(f"{phone.base}/security/verify/")
    shot(phone, "security-verify-phone-en")
    auditor.set_viewport_size({"width": 390, "height": 844})
    auditor.goto(f"{auditor.base}/security/reads/")
    shot(auditor, "security-read-log-phone")
