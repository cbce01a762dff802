"""Bad input gets a clear answer and nothing is lost: 400 / 403 / 404 / 409 with a reason, never a 500."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from incidents.models import Attachment, Incident, TimelineEntry

from .lifecycle import body_for, move

pytestmark = pytest.mark.django_db


def test_unknown_transition_is_404(api, declare):
    pk = declare()["id"]
    response = api("gm").post(f"/api/v1/incidents/{pk}/transitions/explode/", {}, format="json")
    assert response.status_code == 404 and "explode" in response.json()["detail"]


def test_wrong_state_is_409_with_the_current_state(api, declare):
    pk = declare()["id"]
    response = move(api, "gm", pk, "activate")
    assert response.status_code == 409
    assert response.json()["current_state"] == "monitoring"


def test_missing_fields_are_400_with_field_errors_in_chinese(api, declare):
    pk = declare()["id"]
    response = api("agent").post(
        f"/api/v1/incidents/{pk}/transitions/report/", {"situation": ""}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"situation", "impact"} and errors["impact"] == ["该字段是必填项。"]
    assert Incident.objects.get(pk=pk).state == "monitoring"
    assert not TimelineEntry.objects.filter(incident_id=pk, action="report").exists()


def test_field_errors_in_english_for_an_english_request(api, declare):
    pk = declare()["id"]
    response = api("agent").post(
        f"/api/v1/incidents/{pk}/transitions/report/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["errors"]["impact"] == ["This field is required."]


def test_termination_deadline_in_the_past_is_refused(api, declare):
    pk = declare()["id"]
    for username, name in [("agent", "report"), ("gm", "activate"), ("phone_lead", "execute")]:
        move(api, username, pk, name)
    response = move(
        api, "phone_lead", pk, "request_termination", termination_deadline="2020-01-01T00:00:00+08:00"
    )
    assert response.status_code == 400 and "termination_deadline" in response.json()["errors"]


def test_declare_validates_and_refuses_outsiders(api):
    bad = api("supervisor").post("/api/v1/incidents/", {"title": "", "category": "meteor"}, format="json")
    assert bad.status_code == 400 and {"title", "category", "detected_at"} <= set(bad.json()["errors"])
    body = {"title": "x", "category": "other", "detected_at": "2026-11-01T08:00:00+08:00"}
    assert api("auditor").post("/api/v1/incidents/", body, format="json").status_code == 403
    assert api("acd").post("/api/v1/incidents/", body, format="json").status_code == 403


def test_not_permitted_is_403_with_a_reason(api, declare):
    pk = declare()["id"]
    response = move(api, "auditor", pk, "report")
    assert response.status_code == 403 and "审计" in response.json()["detail"]


def test_other_category_needs_a_plan_at_activation(api, declare):
    pk = declare(category="other")["id"]
    assert declare and move(api, "agent", pk, "report").status_code == 200
    body = {k: v for k, v in body_for("activate").items() if k != "plan"}
    response = api("gm").post(f"/api/v1/incidents/{pk}/transitions/activate/", body, format="json")
    assert response.status_code == 400 and "plan" in response.json()["errors"]
    chosen = api("gm").post(
        f"/api/v1/incidents/{pk}/transitions/activate/", {**body, "plan": "sudden"}, format="json"
    )
    assert chosen.status_code == 200 and chosen.json()["lead_group"] == "sudden"


def test_attachments_are_stored_with_a_checksum_and_limits_hold(api, declare, tmp_path):
    pk = declare()["id"]
    with override_settings(MEDIA_ROOT=tmp_path):
        ok = api("agent").post(
            f"/api/v1/incidents/{pk}/attachments/",
            {"file": SimpleUploadedFile("log.txt", b"ACD down at 08:01", content_type="text/plain")},
            format="multipart",
        )
        assert ok.status_code == 201, ok.content
        assert ok.json()["sha256"] == hashlib.sha256(b"ACD down at 08:01").hexdigest()
        stored = Attachment.objects.get(pk=ok.json()["id"])
        assert stored.file.read() == b"ACD down at 08:01"

        refused_type = api("agent").post(
            f"/api/v1/incidents/{pk}/attachments/",
            {"file": SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")},
            format="multipart",
        )
        assert refused_type.status_code == 400 and "file" in refused_type.json()["errors"]
        with override_settings(ATTACHMENT_MAX_BYTES=10):
            too_big = api("agent").post(
                f"/api/v1/incidents/{pk}/attachments/",
                {"file": SimpleUploadedFile("big.txt", b"x" * 11, content_type="text/plain")},
                format="multipart",
            )
        assert too_big.status_code == 400 and "过大" in too_big.json()["errors"]["file"][0]
        missing = api("agent").post(f"/api/v1/incidents/{pk}/attachments/", {}, format="multipart")
        assert missing.status_code == 400
    assert Attachment.objects.filter(incident_id=pk).count() == 1
    assert TimelineEntry.objects.filter(incident_id=pk, action="attachment_added").count() == 1
