"""Through the API alone (issue 14): a client with tokens and no page, no database access walks an incident
from declaration to closed — learning people's ids from the people endpoint, executing with an on-scene
commander, investigating with investigators, writing the investigation record — and fetches the PDF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:2000])
    return response.json() if response["Content-Type"].startswith("application/json") else {}


def person_id(api, **query) -> int:
    found = ok(api("gm").get("/api/v1/people/", query))["results"]
    assert len(found) == 1, found
    return found[0]["id"]


def test_declaration_to_closed_and_the_pdf_through_the_api_alone(api):
    now = timezone.now()
    incident = ok(
        api("supervisor").post(
            "/api/v1/incidents/",
            {
                "title": "核心系统中断",
                "category": "system_outage",
                "description": "坐席无法查询客户信息",
                "detected_at": (now - timedelta(minutes=10)).isoformat(),
                "started_at": (now - timedelta(minutes=12)).isoformat(),
                "affected_system": "核心系统",
            },
            format="json",
        ),
        201,
    )
    url = f"/api/v1/incidents/{incident['id']}"

    def step(username: str, name: str, body: dict) -> dict:
        return ok(api(username).post(f"{url}/transitions/{name}/", body, format="json"))

    step(
        "agent",
        "report",
        {"situation": "IVR 与坐席系统中断", "impact": "约 300 名客户无法接通", "grade": "II"},
    )
    step(
        "gm",
        "activate",
        {"damage_degree": "严重", "damage_scale": "全行热线", "grade": "II", "comment": "启动"},
    )
    ok(
        api("gm").post(
            f"{url}/regulator-decision/", {"decision": "report", "comment": "须报告"}, format="json"
        )
    )
    [phone] = ok(api("gm").get(f"{url}/regulator-deadlines/"))
    submitted = ok(
        api("gm").post(
            f"{url}/regulator-deadlines/{phone['id']}/submission/",
            {"submitted_at": timezone.now().isoformat(), "channel": "phone", "office": "监管分局值班室"},
            format="json",
        )
    )
    assert submitted["outcome"] == "met"

    commander = person_id(api, role="deputy", team="leadership")
    assert ok(api("auditor").get("/api/v1/people/", {"search": "李"}))["results"][0]["id"] == commander
    step("phone_lead", "execute", {"on_scene_commander": commander})
    ok(api("phone_lead").post(f"{url}/updates/", {"text": "已启用 IVR 排队提示"}, format="json"), 201)
    step(
        "phone_lead",
        "request_termination",
        {
            "resolution_summary": "系统已恢复，接通率回到 85%",
            "termination_deadline": (timezone.now() + timedelta(hours=2)).isoformat(),
        },
    )
    step("gm", "approve_termination", {"comment": "同意"})
    investigator = person_id(api, team="phone", role="lead")
    step("supervisor", "investigate", {"investigators": [investigator]})

    record = ok(
        api("phone_lead").patch(
            f"{url}/investigation/",
            {
                "direct_cause": "核心交换机板卡故障",
                "root_cause": "交换机未做双机冗余",
                "is_internal_cause": True,
                "consequences": "热线中断 70 分钟",
                "customers_affected": 1234,
                "lessons_learned": "关键网络设备必须冗余",
            },
            format="json",
        )
    )
    assert record["customers_affected"] == 1234 and record["root_cause"] == "交换机未做双机冗余"
    assert ok(api("auditor").get(f"{url}/investigation/"))["direct_cause"] == "核心交换机板卡故障"
    agent = person_id(api, search="周坐席")
    responsible = ok(
        api("phone_lead").post(
            f"{url}/investigation/responsible/",
            {"person": agent, "responsibility": "direct", "description": "未按规定巡检"},
            format="json",
        ),
        201,
    )
    assert responsible["name"] == "周坐席"
    action = ok(
        api("phone_lead").post(
            f"{url}/investigation/actions/",
            {
                "kind": "corrective",
                "title": "核心交换机双机冗余",
                "owner": investigator,
                "due_date": "2027-01-31",
            },
            format="json",
        ),
        201,
    )
    assert action["status"] == "open"
    step("gm", "close", {"comment": "结案"})
    assert ok(api("auditor").get(f"{url}/"))["state"] == "closed"

    pdf = api("auditor").get(f"{url}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf["X-Report-SHA256"]) == 64
    assert pdf["X-Report-SHA256"] == ok(api("auditor").get(f"{url}/report/"))["sha256"]


def test_the_people_endpoint_is_scoped_and_validated(api, org):
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from teams.roles import INTEGRATOR_GROUP

    everyone = ok(api("agent").get("/api/v1/people/"))
    assert everyone["count"] >= 20 and "phone" not in everyone["results"][0]  # no contact details
    leaders = ok(api("agent").get("/api/v1/people/", {"team": "leadership", "role": "leader"}))["results"]
    assert [p["name"] for p in leaders] == ["王建国"]
    liaison = ok(api("agent").get("/api/v1/people/", {"role": "building_security"}))["results"]
    assert [p["name"] for p in liaison] == ["吴保卫"]
    bad = api("agent").get("/api/v1/people/", {"team": "nope", "role": "emperor"})
    assert bad.status_code == 400 and bad.json() == {
        "team": ["没有这个小组代码。"],
        "role": ["没有这个角色。"],
    }
    assert APIClient().get("/api/v1/people/").status_code == 401
    integrator = org["agent"].__class__.objects.create_user("people_integrator", password="x-unused-123")
    integrator.groups.add(Group.objects.get_or_create(name=INTEGRATOR_GROUP)[0])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=integrator).key}")
    assert client.get("/api/v1/people/").status_code == 403


def test_the_pdf_answers_a_token_not_a_login_redirect(api, declare):
    incident = declare()
    response = api("auditor").get(f"/api/v1/incidents/{incident['id']}/report.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert api("auditor").get("/api/v1/incidents/999999/report.pdf").status_code == 404


def test_the_investigation_endpoints_have_real_schemas(api):
    schema = api("auditor").get("/api/schema/", {"format": "json"}).json()
    investigation = schema["paths"]["/api/v1/incidents/{id}/investigation/"]["patch"]
    body = investigation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    properties = schema["components"]["schemas"][body]["properties"]
    assert properties["customers_affected"]["type"] == "integer"
    assert properties["is_internal_cause"]["type"] == "boolean"
    actions = schema["paths"]["/api/v1/incidents/{id}/investigation/actions/"]["post"]
    created = actions["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"id", "title", "owner", "due_date", "status"} <= set(
        schema["components"]["schemas"][created]["properties"]
    )
    assert (
        "application/pdf"
        in schema["paths"]["/api/v1/incidents/{id}/report.pdf"]["get"]["responses"]["200"]["content"]
    )


def test_the_people_endpoint_lists_directory_employees_apart_and_without_contact_details(api, org):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from teams.models import Person

    clerk = Person.objects.create(
        name="赵通讯", in_directory=True, phone="13800138000", email="zhao@example.com", employee_no="E-9001"
    )
    found = ok(api("phone_lead").get("/api/v1/people/", {"search": "赵通讯"}))["results"]
    assert found == [
        {
            "id": clerk.pk,
            "name": "赵通讯",
            "line": "first",
            "teams": [],
            "parties": [],
            "in_organisation": False,
            "in_directory": True,
            "has_login": False,
        }
    ]
    outside = ok(api("gm").get("/api/v1/people/", {"in_organisation": "false"}))
    outside = {p["name"] for p in outside["results"]}
    inside = ok(api("gm").get("/api/v1/people/", {"in_organisation": "true"}))
    assert inside["count"] <= 50  # one page holds the demo organisation
    assert "赵通讯" in outside and "王建国" not in outside
    assert "赵通讯" not in {p["name"] for p in inside["results"]}
    assert all(p["in_organisation"] for p in inside["results"])
    assert {"王建国", "吴保卫"} <= {p["name"] for p in inside["results"]}  # the leader; a co-approving party
    bad = api("gm").get("/api/v1/people/", {"in_organisation": "maybe"})
    assert bad.status_code == 400 and bad.json() == {"in_organisation": ["须为 true 或 false。"]}
    nul = api("gm").get("/api/v1/people/", {"search": "赵\x00"})  # PostgreSQL refuses a NUL: was a 500
    assert nul.status_code == 400 and list(nul.json()) == ["search"]

    # An employee who signs in but holds no role in the plan reads nobody (being in the directory grants
    # no rights), and no role ever gets a phone number or an e-mail address here.
    login = org["agent"].__class__.objects.create_user("zhao_clerk", password="x-unused-123")
    clerk.user = login
    clerk.save(update_fields=["user"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=login).key}")
    assert ok(client.get("/api/v1/people/")) == {"count": 0, "next": None, "previous": None, "results": []}
    for username in ("gm", "agent", "auditor", "admin", "hq_office"):
        body = api(username).get("/api/v1/people/", {"search": "赵通讯"}).content
        assert b"13800138000" not in body and b"zhao@example.com" not in body and b"E-9001" not in body
