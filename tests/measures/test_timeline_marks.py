"""Roll-call marks do not flood the incident page's timeline (browser walk: 16 of 24 entries were marks).
Every mark stays on record (the stored timeline and the API keep one entry per mark, for the auditor); the
page shows a run of consecutive marks of one roll call as ONE entry — "点名：标记 16 人（已到 14，失联 1，
不在岗 1）" — with each mark, who marked it and when, under a <details>."""

from __future__ import annotations

import re

import pytest

from incidents import services as incident_services
from incidents.models import TimelineEntry
from measures import services
from tests.measures.helpers import fire_with_roll_call

pytestmark = pytest.mark.django_db


def _timeline(html: str) -> str:
    return html.split('<ol class="timeline"', 1)[1].split("</ol>\n", 1)[0]


def _groups(html: str) -> list[tuple[int, str, str]]:
    """(number of marks, summary, the <details>) of each folded run, newest first."""
    return [
        (int(m.group(1)), m.group(2), m.group(3))
        for m in re.finditer(
            r'<li class="kind-[^"]*roll-call-marks" data-marks="(\d+)">.*?<strong>([^<]+)</strong>.*?'
            r"(<details>.*?</details>)</li>",
            _timeline(html),
            re.S,
        )
    ]


@pytest.fixture
def fire(org):
    incident, roll_call = fire_with_roll_call(org)
    entries = list(roll_call.entries.select_related("person").order_by("pk"))
    assert len(entries) >= 17
    statuses = ["missing", "absent"] + ["safe"] * 14
    for entry, status in zip(entries, statuses, strict=False):
        services.roll_call_mark(entry_id=entry.pk, user=org["supervisor"], data={"status": status})
    return incident, entries


@pytest.mark.parametrize(
    ("language", "summary", "one", "each"),
    [
        ("zh-hans", "点名：标记 16 人（已到 14，失联 1，不在岗 1）", "点名：标记 1 人（已到 1）",
         "逐条查看（16 条记录）"),
        ("en", "Roll call: 16 people marked (14 present, 1 missing, 1 off site)",
         "Roll call: 1 person marked (1 present)", "Each mark (16 records)"),
    ],
)  # fmt: skip
def test_a_run_of_marks_is_one_entry_on_the_page_and_every_mark_stays_on_record(
    client, org, fire, language, summary, one, each
):
    incident, entries = fire
    # an update, then two more marks (one person marked twice): a second run, counted by person
    incident_services.incident_add_update(
        incident_id=incident.pk, user=org["supervisor"], data={"text": "消防已到场"}
    )
    services.roll_call_mark(entry_id=entries[16].pk, user=org["security_head"], data={"status": "missing"})
    services.roll_call_mark(entry_id=entries[16].pk, user=org["security_head"], data={"status": "safe"})

    client.force_login(org["gm"])
    client.post("/i18n/setlang/", {"language": language})
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    groups = _groups(page)
    assert [(n, text) for n, text, _ in groups] == [(2, one), (16, summary)]  # newest first
    details = groups[1][2]
    assert f"<summary>{each}</summary>" in details
    assert details.count("<li>") == 16
    name = entries[0].person.name
    missing = "失联" if language == "zh-hans" else "Missing"
    assert re.search(rf'<span class="when">\d\d:\d\d:\d\d</span> {name}[：:] ?{missing}', details)
    assert "李现场" in details  # who marked it
    # not one entry per mark on the page
    assert _timeline(page).count('<li class="kind-') < 10

    # the record keeps every mark: the stored timeline and the API
    assert TimelineEntry.objects.filter(incident=incident, action="roll_call_marked").count() == 18
    api = client.get(f"/api/v1/incidents/{incident.pk}/timeline/?page_size=100")
    assert api.status_code == 200
    body = api.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert sum(1 for row in rows if row["action"] == "roll_call_marked") == 18
