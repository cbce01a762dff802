"""In Chromium, zh and en, 1366 and 390 px: the investigator picker offers checkboxes with roles and no
auditor; closing with open measures warns; a closed case shows its open measures as "结案时未完成" without
a countdown, and its investigation read-only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services
from incidents.models import Incident
from tests.browser.conftest import SHOTS_DIR
from tests.incidents.lifecycle import body_for
from tests.reports.builders import complete_investigation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    """The viewport (what the user sees first) and the whole page, when ``SHOTS_DIR`` is set."""
    if SHOTS_DIR:
        Path(SHOTS_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS_DIR) / f"{name}.png"))
        page.screenshot(path=str(Path(SHOTS_DIR) / f"{name}_full.png"), full_page=True)


def _terminated(users) -> int:
    incident = services.incident_declare(
        user=users["supervisor"],
        data={
            "title": "核心系统中断",
            "category": "system_outage",
            "detected_at": (timezone.now() - timedelta(minutes=20)).isoformat(),
        },
    )
    for username, name in (
        ("agent", "report"),
        ("gm", "activate"),
        ("phone_lead", "execute"),
        ("phone_lead", "request_termination"),
        ("gm", "approve_termination"),
    ):
        services.incident_transition(
            incident_id=incident.pk, name=name, user=users[username], data=body_for(name)
        )
    return incident.pk


@pytest.mark.parametrize(("language", "width"), [("zh", 1366), ("en", 390), ("zh", 390), ("en", 1366)])
def test_investigators_close_warning_and_a_closed_case(login, language, width):
    users = {u.username: u for u in get_user_model().objects.all()}
    incident_id = _terminated(users)
    gm = login("gm", width=width, height=900 if width > 400 else 844)
    en = language == "en"
    if en:
        gm.get_by_role("button", name="English").click()

    gm.goto(f"{gm.base}/incidents/{incident_id}/do/investigate/")
    picker = gm.locator("fieldset.choices")
    expect(picker.locator('input[type="checkbox"]').first).to_be_visible()
    expect(picker).to_contain_text("张接通")
    expect(picker).not_to_contain_text("钱审计")
    expect(picker).to_contain_text("lead" if en else "组长")
    _shot(gm, f"investigate-picker-{language}-{width}")
    picker.get_by_label("张接通", exact=False).first.check()
    gm.locator("form button.primary").click()
    expect(gm.locator(".messages")).to_be_visible()

    complete_investigation(users, Incident.objects.get(pk=incident_id))
    gm.goto(f"{gm.base}/incidents/{incident_id}/do/close/")
    expect(gm.locator(".open-items")).to_contain_text("still close" if en else "仍可结案")
    _shot(gm, f"close-open-measures-{language}-{width}")
    gm.locator("form button.primary").click()

    gm.goto(f"{gm.base}/incidents/{incident_id}/#checklist")
    checklist = gm.locator("#checklist")
    expect(checklist).to_contain_text("Not done when closed" if en else "结案时未完成")
    expect(checklist.locator("[data-due]")).to_have_count(0)
    _shot(gm, f"closed-checklist-{language}-{width}")

    gm.goto(f"{gm.base}/reports/incidents/{incident_id}/investigation-form/")
    record = gm.locator("#investigation")
    expect(gm.locator("h1")).to_contain_text("Investigation" if en else "调查报告")
    expect(record).to_contain_text("核心交换机板卡故障")
    expect(record.locator("form")).to_have_count(0)
    _shot(gm, f"closed-investigation-{language}-{width}")
