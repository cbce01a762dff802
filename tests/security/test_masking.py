"""Need-to-know for complainants' personal data (issue 16): every surface that shows complaint records —
the complaint page, the incident page, the API, the post-incident report and its PDF, the CSV exports, the
admin — shows a complainant's name, phone and account numbers masked (asserted on the bytes); the complaint
group, the Leadership Group and the investigators may reveal one record with a reason, which is logged."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import TimelineEntry
from measures import services as measure_services
from security.masking import ACCOUNT, AMOUNT, NAME, PHONE, TEXT, TIMELINE_ACTIONS, mask_value
from security.models import ReadRecord
from teams import selectors as team_selectors
from tests.incidents.lifecycle import body_for

pytestmark = pytest.mark.django_db

NAME_VALUE = "张秀英"
PHONE_VALUE = "13812345678"
ACCOUNT_VALUE = "6222021234567890123"
SECRETS = [NAME_VALUE, PHONE_VALUE, ACCOUNT_VALUE, "138 1234 5678", "6222 0212 3456 7890 123"]


@pytest.fixture
def complaint(org):
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={
            "title": "客户集中投诉扣费",
            "category": "business_dispute",
            "detected_at": timezone.now() - timedelta(minutes=3),
        },
    )
    for username, name in (("agent", "report"), ("gm", "activate")):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=org[username], data=body_for(name)
        )
    lead = org["complaint_lead"]
    case = measure_services.complaint_case_assign(
        incident_id=incident.pk,
        user=lead,
        data={
            "customer": NAME_VALUE,
            "description": f"客户电话 {PHONE_VALUE}，卡号 {ACCOUNT_VALUE} 被重复扣费",
            "is_walk_in": "on",
            "handler": team_selectors.team_lead(team_code="complaint").pk,
        },
    )
    measure_services.complaint_case_escalate(
        case_id=case.pk, user=lead, data={"escalation_reason": "回电 138 1234 5678 未接通"}
    )
    remedy = measure_services.remedy_record(
        incident_id=incident.pk,
        user=lead,
        data={"kind": "home_visit", "customer": NAME_VALUE, "note": "账户 6222 0212 3456 7890 123 退费"},
    )
    return incident, case, remedy


def _assert_masked(body: bytes, where: str) -> None:
    text = body.decode("utf-8", errors="replace")
    for secret in SECRETS:
        assert secret not in text, f"{where} shows {secret!r} unmasked"


def _pdf_text(pdf: bytes, tmp_path) -> bytes:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout


def test_masks_keep_only_what_identifies_nothing():
    assert mask_value(NAME, NAME_VALUE) == "张**"
    assert mask_value(PHONE, PHONE_VALUE) == "138****5678"
    assert mask_value(ACCOUNT, ACCOUNT_VALUE) == "***************0123"
    assert mask_value(AMOUNT, "1234.50") == "***"
    assert mask_value(TEXT, f"电话 {PHONE_VALUE} 卡 6222 0212 3456 7890 123") == (
        "电话 *******5678 卡 ***************0123"
    )


@pytest.mark.parametrize("reader", ["agent", "security_head", "hq_office", "auditor"])
def test_a_reader_without_the_right_never_sees_them_anywhere(reader, org, client, api, complaint, tmp_path):
    incident, _case, _remedy = complaint
    client.force_login(org[reader])
    pages = {
        "complaint page": client.get(f"/measures/{incident.pk}/complaint/"),
        "incident page": client.get(f"/incidents/{incident.pk}/"),
        "API incident": api(reader).get(f"/api/v1/incidents/{incident.pk}/"),
        "API timeline": api(reader).get(f"/api/v1/incidents/{incident.pk}/timeline/"),
    }
    for where, response in pages.items():
        assert response.status_code == 200, where
        _assert_masked(response.content, where)
    complaint_page = pages["complaint page"].content.decode()
    assert "张**" in complaint_page and "*******5678" in complaint_page
    assert "查看客户信息" not in complaint_page  # no reveal offered without the right
    if reader == "auditor":  # auditors read the report, the PDF and the exports
        for where, url in {
            "report": f"/reports/incidents/{incident.pk}/",
            "report API": f"/api/v1/incidents/{incident.pk}/report/",
        }.items():
            _assert_masked(client.get(url).content, where)
        pdf = client.get(f"/reports/incidents/{incident.pk}.pdf")
        assert pdf.status_code == 200
        _assert_masked(_pdf_text(pdf.content, tmp_path), "PDF")
        for kind in ("incidents", "timelines", "actions"):
            _assert_masked(b"".join(client.get(f"/reports/export/{kind}.csv").streaming_content), kind)
    # Revealing is refused outright.
    refused = client.post(
        f"/measures/{incident.pk}/complaint/reveal/",
        {"record": f"measures.ComplaintCase:{complaint[1].pk}", "reason": "想看看"},
    )
    assert refused.status_code == 403
    assert not ReadRecord.objects.filter(kind="reveal", username=reader).exists()


def test_the_admin_does_not_show_them(org, client, complaint):
    incident, case, remedy = complaint
    client.force_login(org["admin"])
    entries = TimelineEntry.objects.filter(incident=incident, action__in=list(TIMELINE_ACTIONS))
    assert entries.count() == 3
    for url in (
        f"/admin/measures/complaintcase/{case.pk}/change/",
        f"/admin/measures/remedy/{remedy.pk}/change/",
        "/admin/incidents/timelineentry/",
        *(f"/admin/incidents/timelineentry/{entry.pk}/change/" for entry in entries),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_masked(response.content, url)


def test_the_complaint_group_reveals_one_record_with_a_reason_which_is_logged(org, client, complaint):
    incident, case, remedy = complaint
    client.force_login(org["complaint_lead"])
    page = client.get(f"/measures/{incident.pk}/complaint/").content.decode()
    assert NAME_VALUE not in page and "查看客户信息" in page  # masked by default, even for the group
    no_reason = client.post(
        f"/measures/{incident.pk}/complaint/reveal/",
        {"record": f"measures.ComplaintCase:{case.pk}"},
        follow=True,
    )
    assert "请写明查看理由" in no_reason.content.decode()
    assert not ReadRecord.objects.filter(kind="reveal").exists()

    response = client.post(
        f"/measures/{incident.pk}/complaint/reveal/",
        {"record": f"measures.ComplaintCase:{case.pk}", "reason": "回访客户核实扣费"},
    )
    assert response.status_code == 302
    shown = client.get(f"/measures/{incident.pk}/complaint/").content.decode()
    assert NAME_VALUE in shown and PHONE_VALUE in shown  # the one case, once
    assert "6222 0212 3456 7890 123" not in shown  # the remedy was not revealed
    again = client.get(f"/measures/{incident.pk}/complaint/").content.decode()
    assert PHONE_VALUE not in again  # a reload masks it again
    assert (
        ReadRecord.objects.filter(
            kind="complaint", username="complaint_lead", incident_id=incident.pk
        ).count()
        == 4
    )
    log = ReadRecord.objects.get(kind="reveal")
    assert (log.username, log.incident_id, log.target, log.reason) == (
        "complaint_lead",
        incident.pk,
        f"measures.ComplaintCase:{case.pk}",
        "回访客户核实扣费",
    )
    # A record of another incident cannot be revealed through this one.
    other = client.post(
        f"/measures/{incident.pk}/complaint/reveal/",
        {"record": f"measures.Remedy:{remedy.pk + 1000}", "reason": "回访客户核实扣费"},
    )
    assert other.status_code == 404
