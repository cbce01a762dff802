"""Art. 19 "warned in advance: yes" reached through the pages alone: a supervisor declares a warning,
the event begins half an hour later, the Leadership Group corrects the start on the incident page, and the
report page says the warning came in advance (issue 14)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _page_declare(client, org, **extra) -> Incident:
    client.force_login(org["supervisor"])
    response = client.post(
        "/incidents/new/",
        {
            "title": "接通率持续下滑",
            "category": "service_level",
            "description": "排队人数上升，预计将影响服务",
            "detected_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            **extra,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Incident.objects.latest("pk")


def test_warned_in_advance_yes_through_the_pages(client, org, monkeypatch):
    incident = _page_declare(client, org)
    declared = timezone.now()
    # Forty minutes later the Leadership Group learns the event itself began thirty minutes after the warning.
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(minutes=40))
    began = timezone.localtime(declared + timedelta(minutes=30))
    client.force_login(org["gm"])
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert f'action="/incidents/{incident.pk}/event-start/"' in page
    response = client.post(
        f"/incidents/{incident.pk}/event-start/",
        {"started_at": began.strftime("%Y-%m-%dT%H:%M"), "reason": "排队系统日志：客户受影响始于此时"},
        follow=True,
    )
    assert "已更正事件开始时间" in response.content.decode()
    report = client.get(f"/reports/incidents/{incident.pk}/").content.decode()
    assert "是：事件发生前已发出预警" in report
    assert "更正事件开始时间" in client.get(f"/incidents/{incident.pk}/").content.decode()  # on the timeline


def test_warned_in_advance_no_when_the_event_began_before_the_warning(client, org):
    began = timezone.localtime() - timedelta(minutes=30)
    incident = _page_declare(client, org, started_at=began.strftime("%Y-%m-%dT%H:%M"))
    client.force_login(org["auditor"])
    report = client.get(f"/reports/incidents/{incident.pk}/").content.decode()
    assert "否：预警晚于事件开始" in report
    assert (
        "event-start" not in client.get(f"/incidents/{incident.pk}/").content.decode()
    )  # auditors read only
