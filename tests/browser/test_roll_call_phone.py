"""The evacuation roll call on a 390 px phone (browser walk): a compact row per person — the name whole (never
broken mid-name), phone and status on one line, the three marks side by side with ≥ 40 px tap targets — so
ten people fit in about a screen; no sideways scroll; the Art. 14 (3) explanation folded below the list. A
mark updates the row in place and adds no banner."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services as incident_services
from measures import services
from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fire() -> int:
    from django.contrib.auth import get_user_model

    supervisor = get_user_model().objects.get(username="supervisor")
    incident = incident_services.incident_declare(
        user=supervisor, data={"title": "三楼冒烟", "category": "disaster", "detected_at": timezone.now()}
    )
    roll_call = services.roll_call_start(
        incident_id=incident.pk, user=supervisor, data={"assembly_point": "大厦东侧广场"}
    )
    entries = list(roll_call.entries.order_by("pk").values_list("pk", flat=True))
    for entry_id, status in zip(entries, ["missing", "absent", "safe", "safe"], strict=False):
        services.roll_call_mark(entry_id=entry_id, user=supervisor, data={"status": status})
    return incident.pk


@pytest.mark.parametrize("language", ["zh", "en"])
def test_roll_call_rows_are_compact_on_a_phone(login, language):
    incident_id = _fire()
    phone = login("supervisor", width=390, height=844)
    if language == "en":
        phone.get_by_role("button", name="English").click()
    phone.goto(f"{phone.base}/measures/{incident_id}/roll-call/")
    rows = phone.locator("table.roll tbody tr")
    assert rows.count() >= 10
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll

    first, tenth = rows.nth(0).bounding_box(), rows.nth(9).bounding_box()
    assert first and tenth
    assert tenth["y"] + tenth["height"] - first["y"] <= 1000, (first, tenth)
    for index in range(10):
        row = rows.nth(index)
        name = row.locator("td.person")
        line = float(name.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 24"))
        box = name.bounding_box()
        assert box and box["height"] <= line * 1.3, (index, box)  # the name on one line, whole
        buttons = row.locator("button.mark")
        assert buttons.count() == 3
        boxes = [buttons.nth(i).bounding_box() for i in range(3)]
        assert all(b and b["height"] >= 40 and b["width"] >= 40 for b in boxes), boxes
        assert len({round(b["y"]) for b in boxes}) == 1  # side by side
        assert all(b["x"] + b["width"] <= 390 for b in boxes)
        # name, phone and status share one line
        cells = [row.locator(f"td.{c}").bounding_box() for c in ("person", "phone", "status")]
        cells = [c for c in cells if c and c["height"]]  # (someone without a phone number: an empty cell)
        assert max(c["y"] for c in cells) - min(c["y"] for c in cells) < 12, cells
    # the first person is on the first screen
    assert first["y"] < 844, first
    # the explanation is folded, below the list
    explain = phone.locator("details.explain")
    expect(explain).to_have_count(1)
    assert explain.bounding_box()["y"] > tenth["y"]
    shot(phone, f"roll-call-390-{language}")

    # a mark: the row changes in place, no banner
    name = rows.nth(0).get_attribute("data-person")
    label = "已到" if language == "zh" else "Present"
    phone.get_by_role("button", name=f"{name}：{label}").click()
    expect(phone.locator(f'tr[data-person="{name}"]')).to_have_class("status-safe")
    expect(phone.locator(".messages")).to_have_count(0)
