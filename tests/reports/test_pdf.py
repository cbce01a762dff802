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
