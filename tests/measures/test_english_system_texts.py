"""What the system wrote itself reads in the reader's language (English pages): the roster's and the roll
call's timeline texts, rebuilt from the entry's payload, and the measure clocks' names on the board and the
incident page — while the stored record stays in the plan's Chinese."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.html import escape

from incidents import services as incident_services
from incidents.models import ChecklistItem, TimelineEntry
from measures import services
from tests.incidents.lifecycle import body_for

pytestmark = pytest.mark.django_db

CHINESE_SYSTEM_TEXTS = ("生成A/B轮换排班", "撤离点名开始", "撤离点名结束", "（逾期提醒）", "：已到", "：失联")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield
    translation.activate(settings.LANGUAGE_CODE)  # the English requests leave English active in this thread


def _activated(org):
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={
            "title": "测试火情",
            "category": "disaster",
            "detected_at": timezone.now() - timedelta(minutes=3),
        },
    )
    for username, name in (("agent", "report"), ("gm", "activate")):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=org[username], data=body_for(name)
        )
    return incident


def test_roster_and_roll_call_texts_are_stored_in_chinese_and_read_in_english(client, org):
    incident = _activated(org)
    with translation.override("en"):  # an English user does the work: the record stays in Chinese
        services.roster_generate(
            incident_id=incident.pk,
            user=org["sudden_lead"],
            data={"starts_on": timezone.localdate().isoformat(), "period_days": "2"},
        )
        roll_call = services.roll_call_start(
            incident_id=incident.pk, user=org["sudden_lead"], data={"assembly_point": "East Square"}
        )
        entries = list(roll_call.entries.order_by("pk"))
        for entry in entries[:-1]:
            services.roll_call_mark(entry_id=entry.pk, user=org["sudden_lead"], data={"status": "safe"})
        services.roll_call_mark(entry_id=entries[-1].pk, user=org["sudden_lead"], data={"status": "missing"})
        services.roll_call_close(
            roll_call_id=roll_call.pk,
            user=org["sudden_lead"],
            data={"confirm_missing": "on", "reason": "已报警"},
        )
    stored = dict(
        TimelineEntry.objects.filter(incident=incident).order_by("seq").values_list("action", "comment")
    )
    assert stored["roster_generated"].startswith("生成A/B轮换排班：A组")
    assert stored["roll_call_started"].startswith("撤离点名开始，集合地点：East Square")
    assert stored["roll_call_marked"].endswith("：失联")
    assert stored["roll_call_closed"].startswith("撤离点名结束：")

    client.force_login(org["gm"])
    client.post("/i18n/setlang/", {"language": "en"})
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "A/B rotation generated:" in page
    assert "Evacuation roll call started at East Square" in page
    assert "Roll call closed:" in page and "Missing: " in page
    # the deadline box names the soonest open measure in the plan's words, in English (its own due time)
    soonest = ChecklistItem.objects.filter(incident=incident, done_at=None).order_by("due_at", "position")[0]
    with translation.override("en"):
        english_title = escape(soonest.title_display)
    assert english_title != escape(soonest.title) and english_title in page
    for text in CHINESE_SYSTEM_TEXTS:
        assert text not in page, text
    board = client.get("/").content.decode()
    assert english_title in board and "（逾期提醒）" not in board

    client.post("/i18n/setlang/", {"language": "zh-hans"})
    chinese = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "撤离点名开始，集合地点：East Square" in chinese and escape(soonest.title) in chinese


def test_english_roster_and_roll_call_pages_use_their_own_words(client, org):
    incident = _activated(org)
    services.roster_generate(
        incident_id=incident.pk,
        user=org["sudden_lead"],
        data={"starts_on": timezone.localdate().isoformat(), "period_days": "2"},
    )
    services.roll_call_start(
        incident_id=incident.pk, user=org["sudden_lead"], data={"assembly_point": "东侧"}
    )
    client.force_login(org["gm"])
    client.post("/i18n/setlang/", {"language": "en"})
    roster = client.get(f"/measures/{incident.pk}/roster/").content.decode()
    assert "Group A" in roster and "Group B" in roster
    assert "AGroup" not in roster and "A组" not in roster
    assert "：" not in roster.split("<main", 1)[1]  # English punctuation after English words
    roll_call = client.get(f"/measures/{incident.pk}/roll-call/").content.decode()
    assert "Not yet accounted for" in roll_call  # a person, not a notification: never "Not acknowledged"
    assert "Not acknowledged" not in roll_call and "未确认" not in roll_call
