"""Statistics, drill records and the auditors' CSV exports (DESIGN §6, Art. 6)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services as incident_services
from reports import services as report_services
from reports import statistics

from .builders import complete_investigation, move, person, run_to_investigation

pytestmark = pytest.mark.django_db


def _declare(org, n: int, **extra) -> None:
    for index in range(n):
        incident_services.incident_declare(
            user=org["supervisor"],
            data={
                "title": f"接通率下降 {index}",
                "category": "service_level" if index % 2 else "disaster",
                "detected_at": (timezone.now() - timedelta(days=index * 20)).isoformat(),
                "grade": "III",
                **extra,
            },
        )


def _page(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/reports/statistics/")
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_statistics_page_query_count_is_constant(org, client):
    client.force_login(org["auditor"])
    _declare(org, 2)
    _, few = _page(client)
    _declare(org, 12)
    _declare(org, 3, is_drill=True)
    page, many = _page(client)
    assert few == many
    assert "<svg" in page and "按事件类别" in page
    assert "共 14 起事件" in page  # drills kept out of the operational figures
    assert "共举行演练 3 次" in page


def test_statistics_figures_and_drill_scores(org, client):
    incident = run_to_investigation(org, warned_in_advance=False, detected_minutes_ago=90)
    drill = run_to_investigation(org, warned_in_advance=False, is_drill=True)
    figures = statistics.statistics()
    assert figures["total"] == 1
    assert {row["key"]: row["n"] for row in figures["by_category"]} == {"system_outage": 1}
    assert figures["by_month"][-1]["n"] == 1
    report_time = next(row for row in figures["response_times"] if row["measure"] == "report")
    assert 89 <= report_time["median"] <= 91 and report_time["worst"] == report_time["median"]
    assert figures["drills"]["total"] == 1

    report_services.drill_record_save(
        incident_id=drill.pk,
        user=org["supervisor"],
        data={
            "content": "核心系统中断，启用电话接通应急预案",
            "participants": [person("phone_lead").pk, person("agent").pk],
            "evaluation": "响应及时，IVR 切换偏慢",
        },
    )
    with pytest.raises(Exception, match="只有演练事件"):
        report_services.drill_record_save(
            incident_id=incident.pk, user=org["supervisor"], data={"content": "x"}
        )

    client.force_login(org["auditor"])
    content = client.get(f"/api/v1/incidents/{drill.pk}/report/").json()["content"]
    assert content["incident"]["is_drill"] is True
    assert content["drill"]["evaluation"] == "响应及时，IVR 切换偏慢"
    assert {p["name"] for p in content["drill"]["participants"]} == {
        person("phone_lead").name,
        person("agent").name,
    }
    scored = {m["measure"]: m for m in content["drill"]["measures"]}
    # Every step happened within seconds, all inside the plan's targets: full marks.
    assert all(m["met"] for m in scored.values()) and content["drill"]["score"] == 100.0
    page = client.get("/reports/statistics/").content.decode()
    assert "响应及时" in page and "100.0" in page


def test_csv_exports_for_auditors(org, client):
    incident = run_to_investigation(org, warned_in_advance=False)
    complete_investigation(org, incident)
    report_services.corrective_action_add(
        incident_id=incident.pk,
        user=org["gm"],
        data={
            "kind": "corrective",
            "title": "更换板卡",
            "owner": person("agent").pk,
            "due_date": "2030-01-31",
        },
    )
    move(org, "gm", incident, "close")
    client.force_login(org["auditor"])

    def rows(kind: str) -> list[dict]:
        response = client.get(f"/reports/export/{kind}.csv")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert response.streaming
        text = b"".join(response.streaming_content).decode("utf-8")
        assert text.startswith("\ufeff")
        return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))

    incidents = rows("incidents")
    assert [(r["id"], r["title"], r["state"], r["grade"]) for r in incidents] == [
        (str(incident.pk), "核心系统中断导致热线无法接通", "closed", "II")
    ]
    assert len(incidents[0]["final_report.sha256"]) == 64
    timeline = rows("timelines")
    assert [r["seq"] for r in timeline] == [str(n) for n in range(1, len(timeline) + 1)]
    assert timeline[0]["action"] == "declare" and timeline[-1]["action"] == "close"
    assert all(len(r["hash"]) == 64 for r in timeline)
    actions = rows("actions")
    assert [(r["title"], r["owner.name"], r["due_date"], r["status"]) for r in actions] == [
        ("更换板卡", person("agent").name, "2030-01-31", "open")
    ]
    assert client.get("/reports/export/secrets.csv").status_code == 404


def test_strangers_cannot_read_statistics_or_reports(org, client, django_user_model):
    stranger = django_user_model.objects.create_user("stranger", password="x-very-long-1")
    client.force_login(stranger)
    assert client.get("/reports/statistics/").status_code == 403
    assert client.get("/reports/export/incidents.csv").status_code == 403
    incident = run_to_investigation(org, warned_in_advance=False)
    assert client.get(f"/reports/incidents/{incident.pk}/").status_code == 404
