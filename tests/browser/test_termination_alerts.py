"""The approver sees the missing person, in the browser (zh/en, 1366 and 390 px): the inbox card of a
termination request for a fire whose roll call has 1 失联 says so in red above its decision forms; the
incident page's top carries the badges and its timeline folds the roll-call marks; the roll call fits a
phone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services as incident_services
from measures import services
from tests.browser.conftest import shot
from tests.incidents.lifecycle import body_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fire_termination_requested() -> int:
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.all()}
    incident = incident_services.incident_declare(
        user=users["supervisor"],
        data={"title": "三楼机房冒烟", "category": "disaster", "kind": "fire", "detected_at": timezone.now()},
    )
    roll_call = services.roll_call_start(
        incident_id=incident.pk, user=users["supervisor"], data={"assembly_point": "大厦南门广场"}
    )
    entries = list(roll_call.entries.order_by("pk").values_list("pk", flat=True))
    statuses = ["missing", "absent"] + ["safe"] * (len(entries) - 3)
    for entry_id, status in zip(entries, statuses, strict=False):
        services.roll_call_mark(entry_id=entry_id, user=users["supervisor"], data={"status": status})
    for username, name in (
        ("agent", "report"),
        ("gm", "activate"),
        ("sudden_lead", "execute"),
        ("sudden_lead", "request_termination"),
    ):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=users[username], data=body_for(name)
        )
    return incident.pk


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_approver_sees_the_missing_person(login, language, width):
    incident_id = _fire_termination_requested()
    gm = login("gm", width=width, height=844 if width == 390 else 768)
    if language == "en":
        gm.get_by_role("button", name="English").click()
    gm.goto(f"{gm.base}/inbox/")
    card = gm.locator(f'article[data-incident="{incident_id}"]')
    notice = card.locator(".alert-notice.danger")
    expect(notice.locator(".alert-danger")).to_have_text("失联 1 人" if language == "zh" else "1 missing")
    approve = card.locator("details.decide summary", has_text="批准终止" if language == "zh" else "Approve")
    assert notice.bounding_box()["y"] < approve.bounding_box()["y"]  # said before the approve button
    assert gm.evaluate("document.documentElement.scrollWidth") <= width
    shot(gm, f"inbox-termination-{width}-{language}")

    gm.goto(f"{gm.base}/incidents/{incident_id}/")
    expect(gm.locator("main > .alerts .alert-danger")).to_be_in_viewport()
    folder = os.environ.get("SHOTS_DIR")
    if folder:  # the viewport only: what is seen without scrolling
        gm.screenshot(path=str(Path(folder) / f"incident-top-{width}-{language}.png"))
    marks = gm.locator(".timeline .roll-call-marks")
    expect(marks).to_have_count(1)
    marks.locator("summary").click()
    expect(marks.locator(".marks-list li").first).to_be_visible()
    if folder:
        gm.locator(".timeline").screenshot(
            path=str(Path(folder) / f"incident-timeline-{width}-{language}.png")
        )

    gm.goto(f"{gm.base}/measures/{incident_id}/roll-call/")
    expect(gm.locator("table.roll tbody tr").first).to_be_visible()
    shot(gm, f"roll-call-{width}-{language}")
