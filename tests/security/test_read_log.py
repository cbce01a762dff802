"""Who read what (issue 16): every read of an incident page, a report, a PDF and an export is recorded —
who, when, what, from where — append-only; auditors filter the log and export it."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import InternalError, transaction

from security.models import ReadRecord
from tests.reports.builders import complete_investigation, run_to_investigation

pytestmark = pytest.mark.django_db


def test_each_kind_of_read_is_recorded_with_who_what_and_where(org, client, api):
    incident = run_to_investigation(org, warned_in_advance=False)
    complete_investigation(org, incident)
    client.force_login(org["gm"])
    before = ReadRecord.objects.count()
    assert client.get(f"/incidents/{incident.pk}/", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get(f"/reports/incidents/{incident.pk}/").status_code == 200
    assert client.get(f"/reports/incidents/{incident.pk}.pdf").status_code == 200
    response = client.get("/reports/export/incidents.csv")
    b"".join(response.streaming_content)
    assert api("gm").get(f"/api/v1/incidents/{incident.pk}/").status_code == 200
    assert client.get("/").status_code == 200  # the board is not a read of one record: not logged

    rows = list(ReadRecord.objects.filter(pk__gt=0).order_by("id"))[before:]
    assert [(r.kind, r.incident_id, r.username) for r in rows] == [
        ("incident", incident.pk, "gm"),
        ("report", incident.pk, "gm"),
        ("pdf", incident.pk, "gm"),
        ("export", None, "gm"),
        ("incident", incident.pk, "gm"),
    ]
    assert rows[0].ip_address == "10.1.2.3" and rows[0].path == f"/incidents/{incident.pk}/"
    assert rows[3].target == "reports:export kind=incidents"
    assert rows[4].path == f"/api/v1/incidents/{incident.pk}/"


def test_a_refused_read_is_not_a_read(org, client, django_user_model):
    incident = run_to_investigation(org, warned_in_advance=False)
    stranger = django_user_model.objects.create_user("stranger", password="x-very-long-1")
    client.force_login(stranger)
    assert client.get(f"/incidents/{incident.pk}/").status_code == 404
    assert not ReadRecord.objects.filter(username="stranger").exists()


def test_the_read_log_is_append_only(org, client):
    client.force_login(org["gm"])
    client.get("/reports/export/incidents.csv")
    record = ReadRecord.objects.latest("id")
    with pytest.raises(InternalError), transaction.atomic():
        ReadRecord.objects.filter(pk=record.pk).update(reason="changed")
    with pytest.raises(InternalError), transaction.atomic():
        ReadRecord.objects.filter(pk=record.pk).delete()


def test_auditors_filter_and_export_the_read_log(org, client):
    incident = run_to_investigation(org, warned_in_advance=False)
    other = run_to_investigation(org, warned_in_advance=False)
    client.force_login(org["gm"])
    client.get(f"/incidents/{incident.pk}/")
    client.get(f"/incidents/{other.pk}/")
    client.force_login(org["supervisor"])
    client.get(f"/incidents/{incident.pk}/")

    client.force_login(org["auditor"])
    page = client.get("/security/reads/", {"username": "gm", "incident_id": incident.pk})
    assert page.status_code == 200
    body = page.content.decode()
    assert f"/incidents/{incident.pk}/" in body and f"/incidents/{other.pk}/" not in body
    assert "supervisor" not in body.split("<tbody>")[1]

    export = client.get("/security/reads.csv", {"incident_id": incident.pk, "kind": "incident"})
    text = b"".join(export.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["username"] for r in rows) == ["gm", "supervisor"]
    assert {r["incident_id"] for r in rows} == {str(incident.pk)}
    # Exporting the log is itself a read, recorded.
    assert ReadRecord.objects.filter(username="auditor", target="security:read-log-export").exists()

    bad = client.get("/security/reads/", {"incident_id": "abc", "since": "not-a-date"})
    assert bad.status_code == 200 and "没有符合条件的记录" in bad.content.decode()


def test_only_auditors_read_the_read_log(org, client):
    client.force_login(org["gm"])
    assert client.get("/security/reads/").status_code == 403
    assert client.get("/security/reads.csv").status_code == 403
