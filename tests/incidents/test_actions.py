"""Actions that change no state are first-class: each is recorded once on the timeline (DESIGN §3)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import ChecklistItem, TimelineEntry

from .lifecycle import move

pytestmark = pytest.mark.django_db


def activated(api, declare, **fields) -> int:
    pk = declare(**fields)["id"]
    move(api, "agent", pk, "report")
    move(api, "gm", pk, "activate")
    return pk


def test_progress_update_with_a_file(api, declare, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pk = activated(api, declare)
    upload = SimpleUploadedFile("ivr.txt", b"IVR announcement on", content_type="text/plain")
    response = api("agent").post(
        f"/api/v1/incidents/{pk}/updates/", {"text": "IVR 公告已启用", "files": [upload]}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert [a["name"] for a in response.json()["attachments"]] == ["ivr.txt"]
    plain = api("agent").post(f"/api/v1/incidents/{pk}/updates/", {"text": "已通知技术支持"}, format="json")
    assert plain.status_code == 201
    listed = api("auditor").get(f"/api/v1/incidents/{pk}/updates/").json()["results"]
    assert "已通知技术支持" in [u["text"] for u in listed]
    empty = api("agent").post(f"/api/v1/incidents/{pk}/updates/", {"text": ""}, format="json")
    assert empty.status_code == 400 and "text" in empty.json()["errors"]


def test_checklist_done_once_and_friday_disinfection_recurs(api, declare):
    pk = activated(api, declare, category="disaster")
    items = api("sudden_lead").get(f"/api/v1/incidents/{pk}/checklist/").json()
    assert {i["code"] for i in items} >= {"ab_rotation", "evacuation_roll_call", "friday_disinfection"}
    owners = {i["code"]: i["owner"] for i in items}
    assert owners["evacuation_roll_call"] == "吴保卫" and owners["keep_hotline"] == "孙突发"
    friday = next(i for i in items if i["code"] == "friday_disinfection")
    url = f"/api/v1/incidents/{pk}/checklist/{friday['id']}/done/"
    assert api("sudden_lead").post(url, {"evidence": "已消毒 3 层"}, format="json").status_code == 200
    assert api("sudden_lead").post(url, {"evidence": "again"}, format="json").status_code == 409
    fridays = ChecklistItem.objects.filter(incident_id=pk, code="friday_disinfection").order_by("due_at")
    assert fridays.count() == 2 and fridays[1].done_at is None
    assert (fridays[1].due_at - fridays[0].due_at).days == 7
    assert api("auditor").post(url, {"evidence": "x"}, format="json").status_code == 403


def test_regulator_decision_is_the_leadership_groups(api, declare):
    pk = activated(api, declare)
    url = f"/api/v1/incidents/{pk}/regulator-decision/"
    body = {"decision": "report", "comment": "影响全行热线，按要求报告", "important_system": True}
    assert api("phone_lead").post(url, body, format="json").status_code == 403
    response = api("gm").post(url, body, format="json")
    assert response.status_code == 200 and response.json()["regulator_decision"] == "report"
    entry = TimelineEntry.objects.get(incident_id=pk, action="regulator_decision")
    assert entry.actor_name == "王建国" and entry.payload["important_system"] is True


def test_drill_runs_the_same_lifecycle_and_is_labelled(api, declare):
    pk = activated(api, declare, is_drill=True, title="季度演练：核心系统中断")
    detail = api("gm").get(f"/api/v1/incidents/{pk}/").json()
    assert detail["is_drill"] is True and detail["state"] == "activated"
    drills = api("gm").get("/api/v1/incidents/?is_drill=true").json()
    assert [i["id"] for i in drills["results"]] == [pk]
    assert api("gm").get("/api/v1/incidents/?is_drill=false").json()["count"] == 0
