"""The PDF for filing: Chinese text, page numbers, and the report's own hash in the footer."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from .builders import complete_investigation, move, run_to_investigation

pytestmark = pytest.mark.django_db


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (scripts/system-deps.sh)")
def test_filed_pdf_carries_the_report_hash_and_chinese_text(org, api, client, tmp_path):
    incident = run_to_investigation(org, warned_in_advance=True)
    complete_investigation(org, incident)
    move(org, "gm", incident, "close")
    digest = api("auditor").get(f"/api/v1/incidents/{incident.pk}/report/").json()["sha256"]

    client.force_login(org["auditor"])
    response = client.get(f"/reports/incidents/{incident.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Report-SHA256"] == digest
    text = _text(response.content, tmp_path)
    assert "突发事件专门报告" in text and "核心交换机板卡故障" in text
    assert f"SHA-256 {digest}" in text
    assert "第1/" in text.replace(" ", "")  # page numbers

    english = _text(client.get(f"/reports/incidents/{incident.pk}.pdf?lang=en").content, tmp_path)
    assert "Post-incident special report" in english and f"SHA-256 {digest}" in english
    # The same filed copy every time: the closed report is frozen.
    assert client.get(f"/reports/incidents/{incident.pk}.pdf").headers["X-Report-SHA256"] == digest


def test_monitoring_figures_are_drawn_in_the_report(org):
    """When the monitoring app has figures for the incident, the report shows them and draws the answer rate
    around the incident (a picture in the HTML and the PDF alike)."""
    from reports import post_incident
    from reports.rendering import report_html

    incident = run_to_investigation(org, warned_in_advance=False)
    content = post_incident.report_content(incident=incident)
    content["consequences"].update(
        answer_rate_source="monitoring",
        answer_rate_impact={
            "queue": "retail",
            "intervals": 3,
            "lowest_answer_rate_percent": 41.5,
            "lowest_service_level_percent": 22.0,
            "intervals_with_warnings": 2,
            "calls_offered": 900,
            "series": [
                {"at": "2026-01-05T01:00:00+00:00", "answer_rate": 88.0, "service_level": 80.0},
                {"at": "2026-01-05T01:15:00+00:00", "answer_rate": 41.5, "service_level": 22.0},
                {"at": "2026-01-05T01:30:00+00:00", "answer_rate": 86.0, "service_level": 79.0},
            ],
        },
    )
    html = report_html(report={"final": False, "sha256": "0" * 64, "content": content}, language="zh-hans")
    assert "最低接通率 41.5%" in html and "来自监测数据 · retail" in html
    assert "<svg" in html and "<polyline" in html and "事件前后的接通率与服务水平" in html
