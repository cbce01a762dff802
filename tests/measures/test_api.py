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
        "complaint-cases/{item}/close",
        "complaint-cases/{item}/extension",
        "complaint-cases/{item}/extension/decide",
        "complaint-close-waiver",
        "dispute-plans/{item}/done",
    ):
        assert any(p.rstrip("/").endswith(name) for p in paths), name
    assert not any("complaint-clock" in p for p in paths)  # folded into the per-complaint clocks
    body = schema["paths"]["/api/v1/incidents/{id}/measures/complaint-cases/{item}/extension/"]["post"]
    ref = body["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"extension_days", "extension_reason"}
    assert set(body["responses"]) >= {"200", "400", "403", "404", "409"}
    body = schema["paths"]["/api/v1/incidents/{id}/measures/statements/{item}/vet/"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"decision", "comment"}


def test_complaint_close_extend_and_waive_through_the_api_with_a_token(org, api):
    """Issue 13: the complaint's close, its extension (asked, then approved) and the waiver to close the
    incident with complaints open — the same services as the page, refusals with their reasons."""
    from teams.models import Person

    incident = _activated(org, "business_dispute")
    base = f"/api/v1/incidents/{incident.pk}/measures"
    lead, gm, agent = api("complaint_lead"), api("gm"), api("agent")
    handler = Person.objects.get(user__username="complaint_lead")
    case = lead.post(
        f"{base}/complaint-cases/",
        {"customer": "张女士", "description": "重复扣费", "handler": handler.pk},
        format="json",
    ).json()
    assert case["limit_days"] == 15 and case["due_at"] and case["extension_pending"] is False
    ask = {"extension_days": 10, "extension_reason": "需调取分行录音"}
    refused = agent.post(f"{base}/complaint-cases/{case['id']}/extension/", ask, format="json")
    assert refused.status_code == 403 and "赵投诉" in refused.json()["detail"]  # names the owner
    bad = lead.post(f"{base}/complaint-cases/{case['id']}/extension/", {"extension_days": 0}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"extension_days", "extension_reason"}
    asked = lead.post(f"{base}/complaint-cases/{case['id']}/extension/", ask, format="json")
    assert asked.status_code == 200 and asked.json()["extension_pending"] is True
    again = lead.post(f"{base}/complaint-cases/{case['id']}/extension/", ask, format="json")
    assert again.status_code == 409 and again.json()["detail"]
    not_decider = lead.post(
        f"{base}/complaint-cases/{case['id']}/extension/decide/", {"decision": "approve"}, format="json"
    )
    assert not_decider.status_code == 403
    approved = gm.post(
        f"{base}/complaint-cases/{case['id']}/extension/decide/", {"decision": "approve"}, format="json"
    )
    assert approved.status_code == 200 and approved.json()["limit_days"] == 25
    close_refused = agent.post(f"{base}/complaint-cases/{case['id']}/close/", {"outcome": "x"}, format="json")
    assert close_refused.status_code == 403 and "赵投诉" in close_refused.json()["detail"]
    assert lead.post(f"{base}/complaint-cases/{case['id']}/close/", {}, format="json").status_code == 400
    closed = lead.post(f"{base}/complaint-cases/{case['id']}/close/", {"outcome": "已退款"}, format="json")
    assert closed.status_code == 200 and closed.json()["is_open"] is False
    twice = lead.post(f"{base}/complaint-cases/{case['id']}/close/", {"outcome": "已退款"}, format="json")
    assert twice.status_code == 409
    # the waiver: the Leadership Group's deciders only, with a reason
    assert (
        lead.post(f"{base}/complaint-close-waiver/", {"reason": "转分行"}, format="json").status_code == 403
    )
    assert gm.post(f"{base}/complaint-close-waiver/", {}, format="json").status_code == 400
    waived = gm.post(f"{base}/complaint-close-waiver/", {"reason": "转分行跟进"}, format="json")
    assert waived.status_code == 200 and waived.json()["reason"] == "转分行跟进"
    # a dispute plan carried out: only once approved, by its owner
    plan = lead.post(f"{base}/dispute-plans/", {"text": "退费并致歉"}, format="json").json()
    assert plan["owner_role"] == "lead_group_lead" and plan["due_at"]
    early = lead.post(f"{base}/dispute-plans/{plan['id']}/done/", {"evidence": "已退费"}, format="json")
    assert early.status_code == 409
    gm.post(f"{base}/dispute-plans/{plan['id']}/decide/", {"decision": "approve"}, format="json")
    outsider = agent.post(f"{base}/dispute-plans/{plan['id']}/done/", {"evidence": "x"}, format="json")
    assert outsider.status_code == 403 and "牵头工作小组组长" in outsider.json()["detail"]
    done = lead.post(f"{base}/dispute-plans/{plan['id']}/done/", {"evidence": "已退费"}, format="json")
    assert done.status_code == 200 and done.json()["done_at"] and done.json()["evidence"] == "已退费"
