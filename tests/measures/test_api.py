"""The measures through the API with a token (issue 14): the same services, forms and refusals as the
pages; every measure documented in /api/schema/ with its real fields."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services as incident_services
from tests.incidents.lifecycle import body_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _activated(org, category: str):
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={"title": "测试", "category": category, "detected_at": timezone.now() - timedelta(minutes=3)},
    )
    for username, name in (("agent", "report"), ("gm", "activate")):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=org[username], data=body_for(name)
        )
    return incident


def test_roll_call_through_the_api(org, api):
    incident = _activated(org, "disaster")
    base = f"/api/v1/incidents/{incident.pk}/measures"
    lead = api("sudden_lead")
    assert lead.post(f"{base}/roll-calls/", {}, format="json").status_code == 400
    started = lead.post(f"{base}/roll-calls/", {"assembly_point": "东侧广场"}, format="json")
    assert started.status_code == 200, started.content
    roll_call = started.json()
    entries = roll_call["entries"]
    assert entries and all("phone" in e and e["status"] == "unknown" for e in entries)
    for entry in entries[:-1]:
        marked = lead.post(f"{base}/roll-call-entries/{entry['id']}/mark/", {"status": "safe"}, format="json")
        assert marked.status_code == 200
    lead.post(f"{base}/roll-call-entries/{entries[-1]['id']}/mark/", {"status": "missing"}, format="json")
    refused = lead.post(f"{base}/roll-calls/{roll_call['id']}/close/", {}, format="json")
    assert refused.status_code == 400 and set(refused.json()["errors"]) == {"confirm_missing", "reason"}
    closed = lead.post(
        f"{base}/roll-calls/{roll_call['id']}/close/",
        {"confirm_missing": True, "reason": "消防搜救中"},
        format="json",
    )
    assert closed.status_code == 200 and closed.json()["closed_at"]
    # the auditor reads, never writes; an item of another incident is not found
    auditor = api("auditor")
    assert auditor.get(f"{base}/").json()["roll_call"]["id"] == roll_call["id"]
    assert auditor.post(f"{base}/roll-calls/", {"assembly_point": "x"}, format="json").status_code == 403
    other = _activated(org, "disaster")
    wrong = lead.post(
        f"/api/v1/incidents/{other.pk}/measures/roll-calls/{roll_call['id']}/close/", {}, format="json"
    )
    assert wrong.status_code == 404


def test_statement_dispute_plan_and_remedy_through_the_api(org, api):
    incident = _activated(org, "business_dispute")
    base = f"/api/v1/incidents/{incident.pk}/measures"
    lead, office, gm = api("complaint_lead"), api("hq_office"), api("gm")
    statement = lead.post(f"{base}/statements/", {"text": "据实澄清"}, format="json").json()
    assert statement["status"] == "draft"
    assert (
        lead.post(
            f"{base}/statements/{statement['id']}/publish/", {"channel": "官网"}, format="json"
        ).status_code
        == 409
    )
    vetted = office.post(f"{base}/statements/{statement['id']}/vet/", {"decision": "approve"}, format="json")
    assert vetted.status_code == 200 and vetted.json()["status"] == "vetted"
    published = lead.post(f"{base}/statements/{statement['id']}/publish/", {"channel": "官网"}, format="json")
    assert published.status_code == 200 and published.json()["channel"] == "官网"
    plan = lead.post(f"{base}/dispute-plans/", {"text": "退费并致歉"}, format="json").json()
    assert (
        lead.post(
            f"{base}/dispute-plans/{plan['id']}/decide/", {"decision": "approve"}, format="json"
        ).status_code
        == 403
    )
    decided = gm.post(f"{base}/dispute-plans/{plan['id']}/decide/", {"decision": "approve"}, format="json")
    assert decided.json()["status"] == "approved"
    remedy = lead.post(f"{base}/remedies/", {"kind": "home_visit", "customer": "张女士"}, format="json")
    assert remedy.status_code == 200
    assert lead.post(f"{base}/remedies/", {"kind": "cash"}, format="json").json()["errors"]["kind"]
    everything = gm.get(f"{base}/").json()
    assert [s["status"] for s in everything["statements"]] == ["published"]
    assert len(everything["remedies"]) == 1 and everything["dispute_plans"][0]["status"] == "approved"


def test_schema_documents_every_measure(api):
    schema = api("gm").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = [p for p in schema["paths"] if "/measures/" in p]
    for name in (
        "roster",
        "roll-calls",
        "media-reports",
        "remedies",
        "dispute-plans",
        "statements",
        "complaint-cases",
    ):
        assert any(p.rstrip("/").endswith(name) for p in paths), name
    body = schema["paths"]["/api/v1/incidents/{id}/measures/statements/{item}/vet/"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"decision", "comment"}
