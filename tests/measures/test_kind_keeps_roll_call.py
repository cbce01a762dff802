"""A kind correction does not silently withdraw work under way (browser walk): correcting 火灾 → 停电 used to
withdraw "火灾、盗抢时按安全通道疏散并点名" while the roll call still had 1 失联 and 1 未确认 — its deadline
vanished. The roll-call item stays open (its deadline and clock too) while the latest roll call is open or
has anyone 失联, and the timeline says which item was kept and why (measures' keep-open contribution; the
other items of the old kind are withdrawn as before). Once the roll call is over, a correction withdraws it
as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import Timer, TimerKind
from incidents import services as incident_services
from incidents.models import ChecklistItem, TimelineEntry
from measures import services
from tests.incidents.lifecycle import body_for

pytestmark = pytest.mark.django_db

EVACUATION = "evacuation_roll_call"
EVACUATION_TITLE = "火灾、盗抢时按安全通道疏散并点名（会同大厦物业和保安）"
REASON = "现场核实：系大楼供电故障，无明火"


def _fire_with_roll_call(org, statuses: list[str]):
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={
            "title": "办公区火情",
            "category": "disaster",
            "kind": "fire",
            "detected_at": timezone.now() - timedelta(minutes=5),
        },
    )
    for username, name in (("agent", "report"), ("gm", "activate")):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=org[username], data=body_for(name)
        )
    roll_call = services.roll_call_start(
        incident_id=incident.pk, user=org["supervisor"], data={"assembly_point": "大厦东侧广场"}
    )
    entries = list(roll_call.entries.order_by("pk"))
    for entry, status in zip(entries, statuses, strict=False):
        services.roll_call_mark(entry_id=entry.pk, user=org["supervisor"], data={"status": status})
    return incident, roll_call, entries


def _correct(org, incident_id: int) -> None:
    incident_services.incident_correct_kind(
        incident_id=incident_id, user=org["gm"], data={"kind": "power_cut", "reason": REASON}
    )


def _pending_clock(item_id: int):
    return Timer.objects.filter(
        kind=TimerKind.MEASURE_OVERDUE,
        payload__measure="checklist_item",
        payload__record=item_id,
        fired_at__isnull=True,
        cancelled_at__isnull=True,
    )


def test_the_roll_call_item_stays_open_while_people_are_missing_or_unconfirmed(org, client):
    incident, roll_call, entries = _fire_with_roll_call(org, [])
    # everyone safe but the first (失联) and the last (not yet marked)
    services.roll_call_mark(entry_id=entries[0].pk, user=org["supervisor"], data={"status": "missing"})
    for entry in entries[1:-1]:
        services.roll_call_mark(entry_id=entry.pk, user=org["supervisor"], data={"status": "safe"})
    evacuation = ChecklistItem.objects.get(incident_id=incident.pk, code=EVACUATION)
    assert _pending_clock(evacuation.pk).exists()
    others = set(
        ChecklistItem.objects.open()
        .filter(incident_id=incident.pk, kinds__contains=["fire"])
        .exclude(code=EVACUATION)
        .exclude(kinds__contains=["power_cut"])
        .values_list("pk", flat=True)
    )

    _correct(org, incident.pk)

    kept = ChecklistItem.objects.get(pk=evacuation.pk)
    assert kept.withdrawn_at is None and kept.is_open and kept.due_at == evacuation.due_at
    assert _pending_clock(evacuation.pk).exists()  # its deadline did not vanish
    # the rest of the old kind's open measures are withdrawn as before
    assert all(i.withdrawn_at for i in ChecklistItem.objects.filter(pk__in=others))
    entry = TimelineEntry.objects.get(incident_id=incident.pk, action="kind_corrected")
    assert EVACUATION_TITLE not in entry.payload["withdrawn"]
    assert entry.payload["kept"] == [EVACUATION_TITLE]
    assert entry.payload["kept_items"] == [
        {"id": evacuation.pk, "code": EVACUATION, "title": EVACUATION_TITLE, "why": "撤离点名仍在进行",
         "roll_call": roll_call.pk, "missing": 1, "unknown": 1},
    ]  # fmt: skip
    assert (
        f"保留进行中的措施（未撤下）：{EVACUATION_TITLE}（撤离点名仍在进行：失联 1 人、未确认 1 人）。"
        in entry.comment
    )
    # the incident page says it in the reader's language
    client.force_login(org["gm"])
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "（撤离点名仍在进行：失联 1 人、未确认 1 人）" in page
    client.post("/i18n/setlang/", {"language": "en"})
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Kept open, work under way (not withdrawn):" in page
    assert "(the evacuation roll call is still under way: 1 missing, 1 unconfirmed)" in page


def test_a_closed_roll_call_with_someone_still_missing_keeps_it_too(org):
    """The supervisor's roll call, held and closed (one 失联) before the plan was activated: the item
    activation brings is open, and the correction keeps it while that person is missing."""
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={"title": "办公区火情", "category": "disaster", "kind": "fire", "detected_at": timezone.now()},
    )
    roll_call = services.roll_call_start(
        incident_id=incident.pk, user=org["supervisor"], data={"assembly_point": "大厦东侧广场"}
    )
    entries = list(roll_call.entries.order_by("pk"))
    services.roll_call_mark(entry_id=entries[0].pk, user=org["supervisor"], data={"status": "missing"})
    for entry in entries[1:]:
        services.roll_call_mark(entry_id=entry.pk, user=org["supervisor"], data={"status": "safe"})
    services.roll_call_close(
        roll_call_id=roll_call.pk,
        user=org["supervisor"],
        data={"confirm_missing": "on", "reason": "消防搜救"},
    )
    for username, name in (("agent", "report"), ("gm", "activate")):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=org[username], data=body_for(name)
        )
    evacuation = ChecklistItem.objects.get(incident_id=incident.pk, code=EVACUATION)
    assert evacuation.is_open
    _correct(org, incident.pk)
    assert ChecklistItem.objects.get(pk=evacuation.pk).withdrawn_at is None
    entry = TimelineEntry.objects.get(incident_id=incident.pk, action="kind_corrected")
    assert entry.payload["kept_items"][0]["why"] == "撤离点名仍有人失联"
    assert entry.payload["kept_items"][0]["missing"] == 1 and entry.payload["kept_items"][0]["unknown"] == 0


def test_after_the_roll_call_the_correction_withdraws_it_as_before(org):
    incident, roll_call, entries = _fire_with_roll_call(org, [])
    for entry in entries:
        services.roll_call_mark(entry_id=entry.pk, user=org["supervisor"], data={"status": "safe"})
    # closed with everyone accounted for, and the item (say, ticked by nobody) still open
    roll_call.closed_at = timezone.now()
    roll_call.save(update_fields=["closed_at"])
    _correct(org, incident.pk)
    evacuation = ChecklistItem.objects.get(incident_id=incident.pk, code=EVACUATION)
    assert evacuation.withdrawn_at is not None
    entry = TimelineEntry.objects.get(incident_id=incident.pk, action="kind_corrected")
    assert EVACUATION_TITLE in entry.payload["withdrawn"] and not entry.payload["kept"]
