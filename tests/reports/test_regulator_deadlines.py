"""Regulator deadlines as evidence (Art. 10, issue 14): each ends as met, met late (with the delay) or missed
(waived by two deciders with a reason); terminate and close never cancel one; close is refused while one is
open; the incident page, the API, the report and the filed PDF show each deadline with its evidence."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from escalation import services as escalation_services
from escalation.models import Notification, Timer
from incidents import regulator
from incidents.models import Incident, RegulatorDeadline, TimelineEntry

from .builders import complete_investigation, move, run_to_investigation

pytestmark = pytest.mark.django_db


def _decide_more(api, incident_id: int, **flags) -> None:
    response = api("gm").post(
        f"/api/v1/incidents/{incident_id}/regulator-decision/",
        {"decision": "report", "comment": "补充：涉及重要信息系统和重大操作风险", **flags},
        format="json",
    )
    assert response.status_code == 200, response.content


def _deadline(incident: Incident, kind: str) -> RegulatorDeadline:
    return RegulatorDeadline.objects.get(incident=incident, kind=kind)


def _pending_timers(incident: Incident, kind: str):
    return Timer.objects.filter(
        incident=incident, kind=kind, fired_at__isnull=True, cancelled_at__isnull=True
    )


@pytest.fixture
def investigating(org, api):
    """Investigating, phone report met in time, and two more deadlines open (a later decision added them)."""
    incident = run_to_investigation(org, warned_in_advance=False)
    _decide_more(api, incident.pk, important_system=True, major_operational_risk=True)
    complete_investigation(org, incident)
    return incident


def test_terminate_and_close_never_cancel_an_open_deadline(org, api, investigating):
    incident = investigating
    assert _deadline(incident, "regulator_phone_report").outcome == "met"
    assert _pending_timers(incident, "regulator_phone_report").count() == 0  # met: its reminder stopped
    # Terminated long ago (this fixture walked through it): the later deadlines still run.
    assert _pending_timers(incident, "regulator_important_system").count() == 1
    refused = api("gm").post(f"/api/v1/incidents/{incident.pk}/transitions/close/", {}, format="json")
    assert refused.status_code == 409
    assert "重要信息系统事件报告时限" in refused.json()["detail"]
    assert Incident.objects.get(pk=incident.pk).state == "investigating"
    assert _pending_timers(incident, "regulator_important_system").count() == 1


def test_the_page_refuses_close_with_a_message(org, client, investigating):
    client.force_login(org["gm"])
    response = client.post(f"/incidents/{investigating.pk}/do/close/", {"comment": "结案"}, follow=True)
    assert "尚有监管报告时限未了结" in response.content.decode()
    assert Incident.objects.get(pk=investigating.pk).state == "investigating"


def test_a_late_submission_is_met_late_with_the_delay_and_a_due_deadline_stays_on_the_page(
    org, api, client, investigating
):
    incident = investigating
    deadline = _deadline(incident, "regulator_important_system")
    # Time passes: the 12-hour deadline is 95 minutes past; the sweep reminds, the deadline stays open.
    due = timezone.now() - timedelta(minutes=95)
    RegulatorDeadline.objects.filter(pk=deadline.pk).update(due_at=due)
    _pending_timers(incident, "regulator_important_system").update(due_at=due)
    escalation_services.timers_sweep()
    assert Notification.objects.filter(incident=incident, event="regulator_deadline").exists()
    client.force_login(org["auditor"])
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "重要信息系统事件报告时限" in page and "已过截止时间" in page

    url = f"/api/v1/incidents/{incident.pk}/regulator-deadlines/{deadline.pk}/submission/"
    body = {"submitted_at": timezone.now().isoformat(), "channel": "written", "office": "监管分局"}
    assert api("auditor").post(url, body, format="json").status_code == 403
    missing_document = api("gm").post(url, body, format="json")
    assert missing_document.status_code == 400 and "书面报告须附报送文件" in str(missing_document.json())
    no_reference = api("gm").post(url, {**body, "channel": "system"}, format="json")
    assert no_reference.status_code == 400 and "reference" in no_reference.json()["errors"]
    document = SimpleUploadedFile(
        "书面报告.pdf", b"%PDF-1.4 regulator report", content_type="application/pdf"
    )
    response = api("supervisor").post(
        url, {**body, "reference": "JR-2026-118", "document": document}, format="multipart"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["outcome"] == "met_late" and 94 <= data["delay_minutes"] <= 96
    assert data["document"]["name"] == "书面报告.pdf" and len(data["document"]["sha256"]) == 64
    again = api("gm").post(url, {**body, "channel": "phone"}, format="json")
    assert again.status_code == 409  # already ended
    entry = TimelineEntry.objects.get(
        incident=incident, action="regulator_submission", payload__outcome="met_late"
    )
    assert entry.payload["reference"] == "JR-2026-118"


def test_waiver_takes_two_deciders_then_close_files_met_late_and_missed(
    org, api, client, investigating, tmp_path
):
    incident = investigating
    late = _deadline(incident, "regulator_important_system")
    RegulatorDeadline.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(minutes=30))
    regulator.submission_record(
        incident_id=incident.pk,
        deadline_id=late.pk,
        user=org["gm"],
        data={"submitted_at": timezone.now().isoformat(), "channel": "phone", "office": "监管分局"},
    )
    missed = _deadline(incident, "regulator_major_risk")
    base = f"/api/v1/incidents/{incident.pk}/regulator-deadlines/{missed.pk}"
    assert api("gm").post(f"{base}/waiver/", {}, format="json").status_code == 400  # a reason is required
    assert api("phone_lead").post(f"{base}/waiver/", {"reason": "x"}, format="json").status_code == 403
    assert (
        api("gm").post(f"{base}/waiver/approve/", {}, format="json").status_code == 409
    )  # nothing asked yet
    asked = api("gm").post(
        f"{base}/waiver/", {"reason": "经核实不属重大操作风险事件，监管部门口头确认无需报送"}, format="json"
    )
    assert asked.status_code == 200 and asked.json()["outcome"] == "open"
    own = api("gm").post(f"{base}/waiver/approve/", {}, format="json")
    assert own.status_code == 403 and "四眼原则" in own.json()["detail"]
    approved = api("supervisor").post(f"{base}/waiver/approve/", {"comment": "同意"}, format="json")
    assert approved.status_code == 200 and approved.json()["outcome"] == "missed"
    assert _pending_timers(incident, "regulator_major_risk").count() == 0

    move(org, "gm", incident, "close", comment="结案")
    listed = api("auditor").get(f"/api/v1/incidents/{incident.pk}/regulator-deadlines/").json()
    assert {d["kind"]: d["outcome"] for d in listed} == {
        "regulator_phone_report": "met",
        "regulator_important_system": "met_late",
        "regulator_major_risk": "missed",
    }

    client.force_login(org["auditor"])
    html = client.get(f"/reports/incidents/{incident.pk}/").content.decode()
    assert "逾期报送" in html and "逾期 30 分钟" in html and "未报送（经豁免）" in html
    assert "经核实不属重大操作风险事件" in html
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (scripts/system-deps.sh)")
    path = tmp_path / "report.pdf"
    path.write_bytes(client.get(f"/reports/incidents/{incident.pk}.pdf").content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    flat = text.replace(" ", "").replace("\n", "")
    assert "逾期报送" in flat and "逾期30分钟" in flat and "未报送（经豁免）" in flat


def test_a_decision_to_report_cannot_be_withdrawn_once_its_clock_runs(api, investigating):
    response = api("gm").post(
        f"/api/v1/incidents/{investigating.pk}/regulator-decision/",
        {"decision": "no_report", "comment": "改为不报告"},
        format="json",
    )
    assert response.status_code == 409
