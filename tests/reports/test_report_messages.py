"""Who was told, in the post-incident report (issue 13): per message, the recipient, channel, sent, delivered
or failed with the error, acknowledged by whom and when — the same rows the incident page lists, read in
one query whatever their number; the PDF's HTML shows them too."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalation import acks
from escalation import services as escalation_services
from escalation.models import Notification
from reports import post_incident
from reports.rendering import report_html

from .builders import person, run_to_investigation

pytestmark = pytest.mark.django_db


def _tell(incident, username: str) -> list[Notification]:
    return escalation_services.notify(
        incident=incident,
        audience=[f"person:{person(username).pk}"],
        event="measure_overdue",
        context={"title": "协助恢复正常秩序", "article": "第十八条", "due_at": "2026-12-01 09:00", "step": 1},
        needs_ack=True,
    )


def test_the_report_lists_every_message_with_delivery_and_acknowledgement(org):
    incident = run_to_investigation(org, warned_in_advance=False)
    rows = _tell(incident, "gm")
    inbox = next(row for row in rows if row.channel == Notification.Channel.INBOX)
    acks.acknowledge_in_inbox(user=org["gm"], notification_id=inbox.pk)
    sms = next(row for row in rows if row.channel == Notification.Channel.SMS)
    # what the SMS sender writes when the provider refuses (the delivery itself is tested in escalation)
    Notification.objects.filter(pk=sms.pk).update(
        status=Notification.Status.FAILED, last_error="isv.SIGNATURE_DOES_NOT_MATCH", attempts=3
    )
    email = next(row for row in rows if row.channel == Notification.Channel.EMAIL)
    Notification.objects.filter(pk=email.pk).update(status=Notification.Status.SENT, sent_at=timezone.now())

    messages = {m["channel"]: m for m in post_incident.report_content(incident=incident)["messages"]}
    assert messages["inbox"]["recipient"] == "王建国"
    assert messages["inbox"]["acknowledged_by"] == "王建国" and messages["inbox"]["acknowledged_at"]
    assert messages["inbox"]["acknowledged_via"] == "inbox"
    assert messages["sms"]["status"] == "failed"
    assert messages["sms"]["error"] == "isv.SIGNATURE_DOES_NOT_MATCH"
    assert messages["email"]["status"] == "sent" and messages["email"]["sent_at"]
    # one acknowledgement counts for every channel of the same message to the same person
    assert messages["email"]["acknowledged_by"] == "王建国"

    report = post_incident.report_for(incident=incident)
    html = report_html(report=report, language="zh-hans")
    assert "通知与确认（谁被告知）" in html
    assert "isv.SIGNATURE_DOES_NOT_MATCH" in html and "发送失败" in html
    english = report_html(report=report, language="en")
    assert "(who was told)" in english and "Failed" in english


def test_the_message_list_reads_in_constant_queries(org):
    incident = run_to_investigation(org, warned_in_advance=False)
    _tell(incident, "gm")

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            listed = len(post_incident.report_content(incident=incident)["messages"])
        return len(queries), listed

    before, listed_before = count()
    for username in ("supervisor", "phone_lead", "agent", "hq_office"):
        rows = _tell(incident, username)
        acks.acknowledge_in_inbox(user=org[username], notification_id=rows[0].pk)
    after, listed_after = count()
    assert listed_after > listed_before + 3
    assert after == before


def test_a_failed_messages_error_shows_no_phone_number_or_address_in_the_report(org):
    incident = run_to_investigation(org, warned_in_advance=False)
    rows = _tell(incident, "gm")
    sms = next(row for row in rows if row.channel == Notification.Channel.SMS)
    email = next(row for row in rows if row.channel == Notification.Channel.EMAIL)
    Notification.objects.filter(pk=sms.pk).update(
        status=Notification.Status.FAILED, last_error="isv.MOBILE_NUMBER_ILLEGAL: 13800138000", attempts=3
    )
    Notification.objects.filter(pk=email.pk).update(
        status=Notification.Status.FAILED,
        last_error="550 5.1.1 <wang.jianguo@bank.example.cn>: Recipient address rejected",
        attempts=3,
    )
    messages = {m["channel"]: m for m in post_incident.report_content(incident=incident)["messages"]}
    assert messages["sms"]["error"] == "isv.MOBILE_NUMBER_ILLEGAL: *******8000"
    assert messages["email"]["error"] == "550 5.1.1 <w***@bank.example.cn>: Recipient address rejected"
    html = report_html(report=post_incident.report_for(incident=incident), language="zh-hans")
    assert "13800138000" not in html and "wang.jianguo@" not in html
    assert "Recipient address rejected" in html  # the reason stays readable
