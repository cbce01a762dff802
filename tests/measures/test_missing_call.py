"""The desk calls people when someone is 失联 (Art. 14 (3)): marking a person missing in the open evacuation
roll call tells the Leadership Group, building security's head and the on-scene commander at once — each
person once, in their own language, the missing person's name, phone, the assembly point and a link to the
roll call — and their channels deliver it through a real Celery worker; marking them again tells nobody
twice; marking them safe sends the same people "已找到"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import Notification
from incidents import services as incident_services
from incidents.models import Incident
from measures import services
from measures.models import RollCallEntry
from teams.models import Person, UserPreference
from tests.escalation.helpers import wait_until
from tests.incidents.lifecycle import body_for

CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
POINT = "大厦东侧广场"
LEADERSHIP = {"gm", "supervisor", "phone_lead", "complaint_lead", "sudden_lead"}  # members with a login


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _executing_fire(org, *, commander: str) -> Incident:
    """A fire in execution whose on-scene commander is ``commander`` — here someone outside the Leadership
    Group and building security, so that the commander's own call is seen (the demo's leads all sit in the
    Leadership Group)."""
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={
            "title": "三楼冒烟",
            "category": "disaster",
            "detected_at": timezone.now() - timedelta(minutes=3),
        },
    )
    for username, name in (("agent", "report"), ("gm", "activate"), ("sudden_lead", "execute")):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=org[username], data=body_for(name)
        )
    Incident.objects.filter(pk=incident.pk).update(
        on_scene_commander=Person.objects.get(user__username=commander)
    )
    return Incident.objects.get(pk=incident.pk)


def _entry(roll_call, name: str) -> RollCallEntry:
    return roll_call.entries.select_related("person").get(person__name=name)


def _told(incident, event: str) -> list[str]:
    """Who got the message in their inbox, one username per message (a duplicate shows twice)."""
    return sorted(
        Notification.objects.filter(incident=incident, event=event, channel="inbox").values_list(
            "recipient__username", flat=True
        )
    )


def _english_left(row: Notification, *values: str) -> list[str]:
    """Chinese left in an English message once the values people typed (names, places) are taken out."""
    text = f"{row.subject}\n{row.body}"
    for value in values:
        text = text.replace(value, "")
    return [line for line in text.splitlines() if CHINESE.search(line)]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_a_person_marked_missing_is_called_at_once_to_each_recipient_once_and_found_after(
    org, celery_worker_process
):
    UserPreference.objects.update_or_create(user=org["gm"], defaults={"language": "en"})
    Person.objects.filter(name="陈一").update(phone="13900000011")  # an agent of the phone group
    incident = _executing_fire(org, commander="agent")
    roll_call = services.roll_call_start(
        incident_id=incident.pk, user=org["sudden_lead"], data={"assembly_point": POINT}
    )
    missing = _entry(roll_call, "陈一")
    celery_worker_process.start()

    services.roll_call_mark(entry_id=missing.pk, user=org["security_head"], data={"status": "missing"})
    expected = sorted(LEADERSHIP | {"security_head", "agent"})
    assert _told(incident, "roll_call_person_missing") == expected  # the commander too, each once

    rows = Notification.objects.filter(incident=incident, event="roll_call_person_missing")
    chinese = rows.get(channel="inbox", recipient=org["security_head"])
    assert chinese.subject == "撤离点名：陈一 失联 13900000011"
    assert "电话：13900000011" in chinese.body and f"集合地点：{POINT}" in chinese.body
    assert f"/measures/{incident.pk}/roll-call/" in chinese.body
    english = rows.get(channel="inbox", recipient=org["gm"])
    assert english.language == "en"
    assert english.subject == "Roll call: 陈一 missing 13900000011"
    assert "Phone: 13900000011" in english.body and f"Assembly point: {POINT}" in english.body
    assert f"/measures/{incident.pk}/roll-call/" in english.body
    assert not _english_left(english, "陈一", POINT, "三楼冒烟", "吴保卫")
    # the other channels the recipients chose: gm's e-mail and SMS, the assistant's e-mail (no login),
    # building security's SMS … delivered by the worker, asynchronously
    outgoing = rows.exclude(channel="inbox")
    assert {("sms", "13800000007"), ("sms", "13800000001"), ("email", "assistant@bank.example")} <= set(
        outgoing.values_list("channel", "address")
    )
    assert wait_until(lambda: not outgoing.exclude(status="sent").exists(), timeout=30), list(
        outgoing.values("channel", "address", "status", "last_error")
    )
    assert wait_until(
        lambda: "SMS to 13800000007: 撤离点名：陈一 失联" in celery_worker_process.log.read_text(), 5
    )

    # marked 失联 again (a second person at the assembly point confirms it): nobody is told twice
    services.roll_call_mark(entry_id=missing.pk, user=org["sudden_lead"], data={"status": "missing"})
    assert _told(incident, "roll_call_person_missing") == expected
    assert Notification.objects.filter(incident=incident, event="roll_call_person_missing").count() == (
        rows.count()
    )

    # found: the same people hear "已找到", once
    services.roll_call_mark(entry_id=missing.pk, user=org["security_head"], data={"status": "safe"})
    assert _told(incident, "roll_call_missing_found") == expected
    found = Notification.objects.filter(incident=incident, event="roll_call_missing_found")
    assert found.get(channel="inbox", recipient=org["sudden_lead"]).subject == "失联人员已找到：陈一"
    english = found.get(channel="inbox", recipient=org["gm"])
    assert english.subject == "Missing person found: 陈一"
    assert english.body.startswith("State: Present\nPhone: 13900000011"), english.body
    assert not _english_left(english, "陈一", POINT, "三楼冒烟", "吴保卫")
    assert wait_until(lambda: not found.exclude(channel="inbox").exclude(status="sent").exists(), 30)
    # marking someone safe who never was missing tells nobody
    services.roll_call_mark(entry_id=_entry(roll_call, "张接通").pk, user=org["gm"], data={"status": "safe"})
    assert Notification.objects.filter(incident=incident, event__startswith="roll_call").count() == (
        rows.count() + found.count()
    )


@pytest.mark.django_db
def test_before_a_commander_is_named_the_leadership_group_and_security_are_called(org):
    """A fire's roll call starts at declaration, before the activation names an on-scene commander."""
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={"title": "三楼冒烟", "category": "disaster", "detected_at": timezone.now()},
    )
    roll_call = services.roll_call_start(
        incident_id=incident.pk, user=org["supervisor"], data={"assembly_point": POINT}
    )
    services.roll_call_mark(
        entry_id=_entry(roll_call, "周坐席").pk, user=org["supervisor"], data={"status": "missing"}
    )
    assert _told(incident, "roll_call_person_missing") == sorted(LEADERSHIP | {"security_head"})


@pytest.mark.django_db
def test_found_then_missing_again_is_called_again_and_the_close_tells_the_commander(org):
    """What the recipients last heard decides: after "已找到", a person marked 失联 again (a mistaken "safe"
    corrected) is called again — the desk never leaves them believing someone is found. Absent (off duty,
    confirmed safe) counts as found. Closing with anyone missing tells the commander too."""
    incident = _executing_fire(org, commander="agent")
    roll_call = services.roll_call_start(
        incident_id=incident.pk, user=org["sudden_lead"], data={"assembly_point": POINT}
    )
    entry = _entry(roll_call, "陈一")
    for status in ("missing", "absent", "missing"):
        services.roll_call_mark(entry_id=entry.pk, user=org["sudden_lead"], data={"status": status})
    assert _told(incident, "roll_call_person_missing").count("agent") == 2
    assert _told(incident, "roll_call_missing_found").count("agent") == 1
    for other in roll_call.entries.exclude(pk=entry.pk):
        services.roll_call_mark(entry_id=other.pk, user=org["sudden_lead"], data={"status": "safe"})
    services.roll_call_close(
        roll_call_id=roll_call.pk,
        user=org["sudden_lead"],
        data={"confirm_missing": "on", "reason": "消防已进入搜救"},
    )
    assert _told(incident, "roll_call_missing") == sorted(LEADERSHIP | {"security_head", "agent"})
    # found after the close: the same people, once
    services.roll_call_mark(entry_id=entry.pk, user=org["security_head"], data={"status": "safe"})
    assert _told(incident, "roll_call_missing_found").count("agent") == 2
    assert _told(incident, "roll_call_missing_found").count("gm") == 2


@pytest.mark.django_db
def test_a_person_found_by_an_english_reader_is_announced_in_each_recipient_own_language(org):
    """The marker reads English; the "已找到" message names the status in each recipient's language — a
    Chinese reader does not get "Present" because the person who marked it reads English."""
    from django.utils import translation

    incident = _executing_fire(org, commander="agent")
    roll_call = services.roll_call_start(
        incident_id=incident.pk, user=org["sudden_lead"], data={"assembly_point": POINT}
    )
    entry = _entry(roll_call, "陈一")
    services.roll_call_mark(entry_id=entry.pk, user=org["sudden_lead"], data={"status": "missing"})
    UserPreference.objects.update_or_create(user=org["gm"], defaults={"language": "en"})
    with translation.override("en"):
        services.roll_call_mark(entry_id=entry.pk, user=org["security_head"], data={"status": "safe"})
    found = Notification.objects.filter(incident=incident, event="roll_call_missing_found", channel="inbox")
    chinese_reader = found.get(recipient__username="supervisor")
    assert "已到" in chinese_reader.body and "Present" not in chinese_reader.body
    english_reader = found.get(recipient__username="gm")
    assert "Present" in english_reader.body and "已到" not in english_reader.body
