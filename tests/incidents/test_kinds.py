"""The kind of sudden event (Art. 14): chosen at declaration, corrected by the Leadership Group with a reason;
the checklist holds the measures common to every kind and those of the incident's kind only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import Timer, TimerKind
from incidents.models import ChecklistItem, Incident, TimelineEntry

from .lifecycle import move

pytestmark = pytest.mark.django_db

EPIDEMIC_ONLY = {"closed_management", "friday_disinfection", "medicine_supplements"}
COMMON = {"keep_hotline", "second_line_to_front", "ab_rotation"}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _activated(api, declare, **fields) -> int:
    incident = declare("supervisor", category="disaster", title="办公区火情", **fields)
    pk = incident["id"]
    assert move(api, "agent", pk, "report").status_code == 200
    activated = move(api, "gm", pk, "activate")
    assert activated.status_code == 200, activated.content
    return pk


def _codes(api, pk: int, *, open_only: bool = False) -> set[str]:
    """The codes of the incident's checklist on the API; ``open_only``: not done and not withdrawn."""
    return {
        item["code"]
        for item in api("auditor").get(f"/api/v1/incidents/{pk}/checklist/").json()
        if not open_only or (item["done_at"] is None and item["withdrawn_at"] is None)
    }


def test_a_fire_has_no_epidemic_measures_on_the_api_and_the_page(api, declare, client, org):
    pk = _activated(api, declare, kind="fire")
    detail = api("auditor").get(f"/api/v1/incidents/{pk}/").json()
    assert detail["kind"] == "fire"
    codes = _codes(api, pk)
    assert COMMON | {"evacuation_roll_call"} <= codes
    assert not codes & EPIDEMIC_ONLY

    client.force_login(org["gm"])
    page = client.get(f"/incidents/{pk}/").content.decode()
    assert "火灾、盗抢时按安全通道疏散并点名" in page
    assert "每周五彻底清洁消毒" not in page and "发放抗病毒药品和营养品" not in page
    assert 'data-kind="fire"' in page


def test_an_epidemic_has_its_own_measures_and_no_evacuation(api, declare, client, org):
    pk = _activated(api, declare, kind="epidemic")
    codes = _codes(api, pk)
    assert codes >= COMMON | EPIDEMIC_ONLY
    assert "evacuation_roll_call" not in codes
    tagged = {i["code"]: i["kinds"] for i in api("auditor").get(f"/api/v1/incidents/{pk}/checklist/").json()}
    assert tagged["friday_disinfection"] == ["epidemic"] and tagged["keep_hotline"] == []

    client.force_login(org["gm"])
    client.post("/i18n/setlang/", {"language": "en"})
    page = client.get(f"/incidents/{pk}/").content.decode()
    assert "Kind of sudden event" in page and "Epidemic" in page
    assert "evacuat" not in page.split('id="checklist"')[1].split("</section>")[0].lower()


def test_an_unknown_kind_keeps_every_measure(api, declare):
    pk = _activated(api, declare)
    assert Incident.objects.get(pk=pk).kind == ""
    assert COMMON | EPIDEMIC_ONLY | {"evacuation_roll_call"} <= _codes(api, pk)


def test_an_unknown_kind_value_or_a_kind_on_another_plan_is_a_400_naming_the_field(api):
    body = {
        "title": "x",
        "category": "system_outage",
        "detected_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        "kind": "fire",
    }
    response = api("supervisor").post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 400 and "kind" in response.json()["errors"]
    response = api("supervisor").post(
        "/api/v1/incidents/", {**body, "category": "disaster", "kind": "volcano"}, format="json"
    )
    assert response.status_code == 400 and "kind" in response.json()["errors"]
    # a disaster may leave the kind open; "other" (Art. 2 (六)) may name one before the plan is chosen
    other = api("supervisor").post("/api/v1/incidents/", {**body, "category": "other"}, format="json")
    assert other.status_code == 201 and other.json()["kind"] == "fire"


def test_the_leadership_group_corrects_the_kind_and_the_measures_and_clocks_follow(api, declare, client, org):
    pk = _activated(api, declare, kind="fire")
    evacuation = ChecklistItem.objects.get(incident_id=pk, code="evacuation_roll_call")
    assert Timer.objects.filter(
        kind=TimerKind.MEASURE_OVERDUE, payload__measure="checklist_item", payload__record=evacuation.pk
    ).exists()

    refused = api("sudden_lead").post(f"/api/v1/incidents/{pk}/kind/", {"kind": "epidemic", "reason": "x"})
    assert refused.status_code == 403
    missing = api("gm").post(f"/api/v1/incidents/{pk}/kind/", {"kind": "epidemic"}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    same = api("gm").post(f"/api/v1/incidents/{pk}/kind/", {"kind": "fire", "reason": "x"}, format="json")
    assert same.status_code == 400 and "kind" in same.json()["errors"]

    corrected = api("gm").post(
        f"/api/v1/incidents/{pk}/kind/", {"kind": "epidemic", "reason": "确认为疫情，非火情"}, format="json"
    )
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["kind"] == "epidemic"
    codes = _codes(api, pk, open_only=True)
    assert codes >= COMMON | EPIDEMIC_ONLY and "evacuation_roll_call" not in codes
    # the withdrawn measure's reminders stop; the added ones have their own clocks
    assert not Timer.objects.filter(
        kind=TimerKind.MEASURE_OVERDUE,
        payload__measure="checklist_item",
        payload__record=evacuation.pk,
        fired_at__isnull=True,
        cancelled_at__isnull=True,
    ).exists()
    added = ChecklistItem.objects.get(incident_id=pk, code="medicine_supplements")
    assert Timer.objects.filter(
        kind=TimerKind.MEASURE_OVERDUE, payload__measure="checklist_item", payload__record=added.pk
    ).exists()

    entry = TimelineEntry.objects.get(incident_id=pk, action="kind_corrected")
    assert entry.payload["from"] == "fire" and entry.payload["to"] == "epidemic"
    assert "火灾 → 重大疾病疫情" in entry.comment and "确认为疫情，非火情" in entry.comment
    assert "火灾、盗抢时按安全通道疏散并点名（会同大厦物业和保安）" in entry.payload["withdrawn"]
    assert entry.payload["withdrawn_ids"] == [evacuation.pk]
    # an English reader reads the correction in English, rebuilt from the payload
    client.force_login(org["gm"])
    client.post("/i18n/setlang/", {"language": "en"})
    page = client.get(f"/incidents/{pk}/").content.decode()
    assert "Kind of sudden event: Fire → Epidemic. Reason: 确认为疫情，非火情" in page


def test_a_done_measure_of_the_former_kind_stays_as_done(api, declare):
    pk = _activated(api, declare, kind="fire")
    evacuation = ChecklistItem.objects.get(incident_id=pk, code="evacuation_roll_call")
    done = api("sudden_lead").post(
        f"/api/v1/incidents/{pk}/checklist/{evacuation.pk}/done/", {"evidence": "已疏散"}, format="json"
    )
    assert done.status_code == 200, done.content
    api("gm").post(f"/api/v1/incidents/{pk}/kind/", {"kind": "epidemic", "reason": "改判"}, format="json")
    assert ChecklistItem.objects.filter(pk=evacuation.pk, done_at__isnull=False).exists()


def test_the_list_api_and_page_filter_by_kind(api, declare, client, org):
    fire = declare("supervisor", category="disaster", kind="fire", title="火情甲")["id"]
    epidemic = declare("supervisor", category="disaster", kind="epidemic", title="疫情乙")["id"]
    ids = [row["id"] for row in api("gm").get("/api/v1/incidents/?kind=fire").json()["results"]]
    assert fire in ids and epidemic not in ids
    client.force_login(org["gm"])
    page = client.get("/incidents/?kind=epidemic").content.decode()
    assert "疫情乙" in page and "火情甲" not in page


def test_the_kind_migration_carries_its_own_copy_of_the_kinds():
    """A migration replays the same whatever the live code says later: it does not import the defaults."""
    import importlib
    import inspect

    from incidents.defaults import CHECKLIST_ITEM_KINDS

    migration = importlib.import_module("incidents.migrations.0005_incident_kind_checklist_kinds")
    assert "incidents.defaults" not in inspect.getsource(migration)
    assert migration.CHECKLIST_ITEM_KINDS == CHECKLIST_ITEM_KINDS  # the same today, and a copy
    assert migration.CHECKLIST_ITEM_KINDS is not CHECKLIST_ITEM_KINDS
