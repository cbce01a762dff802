"""The English pages on a 390 px phone: the report does not scroll sideways, and on the "who was told"
page every message is a card whose delivery and acknowledgement stay on the screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services
from tests.browser.conftest import shot
from tests.incidents.lifecycle import body_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _activated() -> int:
    users = {u.username: u for u in get_user_model().objects.all()}
    incident = services.incident_declare(
        user=users["supervisor"],
        data={
            "title": "五楼机房冒烟起火",
            "category": "disaster",
            "detected_at": (timezone.now() - timedelta(minutes=20)).isoformat(),
        },
    )
    for username, name in [("agent", "report"), ("gm", "activate")]:
        services.incident_transition(
            incident_id=incident.pk, name=name, user=users[username], data=body_for(name)
        )
    return incident.pk


def test_english_report_and_messages_fit_a_phone(login):
    incident_id = _activated()
    phone = login("gm", width=390, height=844)
    phone.get_by_role("button", name="English").click()

    phone.goto(f"{phone.base}/reports/incidents/{incident_id}/")
    expect(phone.locator("table.times")).to_contain_text("Detected")
    overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, overflow
    shot(phone, "report-en-phone")

    phone.goto(f"{phone.base}/escalation/incidents/{incident_id}/messages/")
    rows = phone.locator("table.messages-table tbody tr")
    expect(rows.first).to_be_visible()
    overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, overflow
    for row in rows.all()[:3]:
        for cell in row.locator("td").all():  # time, recipient, channel, title, delivered, acknowledged
            box = cell.bounding_box()
            assert box is not None and box["x"] + box["width"] <= 390 + 1, cell.get_attribute("data-label")
    assert rows.first.locator("td").last.get_attribute("data-label") == "Acknowledged"
    shot(phone, "messages-en-phone")
    # the top bar: the name, 中文 and Sign out each stay on one line
    for control in (phone.get_by_role("button", name="中文"), phone.get_by_role("button", name="Sign out")):
        box = control.bounding_box()
        assert box is not None and box["height"] < 28, box
