"""CSV injection (ASVS 5.0 1.2.10): every export writes a formula-looking cell so that it opens as text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services as incident_services
from security.csvexport import csv_cell, csv_rows

TITLE = '=HYPERLINK("http://x","x")'


@pytest.mark.django_db
def test_incident_titled_with_a_formula_exports_as_text(org, client):
    incident_services.incident_declare(
        user=org["supervisor"],
        data={
            "title": TITLE,
            "category": "system_outage",
            "description": "+cmd|' /C calc'!A0",
            "detected_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        },
    )
    client.force_login(org["auditor"])
    for kind in ("incidents", "timelines"):
        body = b"".join(client.get(f"/reports/export/{kind}.csv").streaming_content)
        if kind == "incidents":
            # Quoted by the CSV dialect, prefixed by an apostrophe: a spreadsheet shows the title as text.
            assert b'"\'=HYPERLINK(""http://x"",""x"")"' in body
        # Nowhere does a cell start with the raw formula.
        assert b',"=HYPERLINK' not in body and b",=HYPERLINK" not in body


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\0"])
def test_every_formula_start_is_neutralised(start):
    assert csv_cell(f"{start}1+1") == f"'{start}1+1"


def test_numbers_and_plain_text_are_written_as_they_are():
    assert csv_cell(-5) == -5
    assert csv_cell("核心系统 -1") == "核心系统 -1"
    assert csv_cell(None) == ""
    lines = "".join(csv_rows(["a", "b"], [["=1", -2]]))
    assert lines == "\ufeffa,b\r\n'=1,-2\r\n"
