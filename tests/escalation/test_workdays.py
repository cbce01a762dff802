"""Working days follow China's official calendar (holidays and make-up working weekends) and the bank's own
days — the dates below are the State Council's published schedules for 2025 and 2026, written out by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation import checks, workdays
from escalation.models import BankDay

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_national_day_2025_is_skipped_and_the_make_up_saturday_counts():
    started = datetime(2025, 9, 29, 10, 30, tzinfo=SHANGHAI)  # Monday before the 1–8 October holiday
    due = workdays.add_working_days(started, 5)
    # 30 Sep, 9 Oct, 10 Oct, Saturday 11 Oct (调休 make-up day), Monday 13 Oct.
    assert due == datetime(2025, 10, 13, 10, 30, tzinfo=SHANGHAI)
    assert workdays.is_working_day(date(2025, 10, 11))
    assert not workdays.is_working_day(date(2025, 10, 6))


def test_spring_festival_2026():
    started = datetime(2026, 2, 13, 16, 0, tzinfo=SHANGHAI)  # Friday before the 15–23 February holiday
    # Saturday 14 Feb (make-up), then 24, 25, 26, 27 February.
    assert workdays.add_working_days(started, 5) == datetime(2026, 2, 27, 16, 0, tzinfo=SHANGHAI)
    assert workdays.add_working_days(started, 1) == datetime(2026, 2, 14, 16, 0, tzinfo=SHANGHAI)


def test_a_bank_declared_day_changes_the_result():
    started = datetime(2025, 9, 29, 10, 30, tzinfo=SHANGHAI)
    BankDay.objects.create(date=date(2025, 10, 10), kind=BankDay.Kind.OFF, reason="本行系统升级停业")
    assert workdays.add_working_days(started, 5) == datetime(2025, 10, 14, 10, 30, tzinfo=SHANGHAI)
    BankDay.objects.create(date=date(2025, 10, 8), kind=BankDay.Kind.WORKING, reason="客服中心加班")
    assert workdays.add_working_days(started, 5) == datetime(2025, 10, 13, 10, 30, tzinfo=SHANGHAI)


def test_one_query_however_long_the_clock():
    with CaptureQueriesContext(connection) as queries:
        workdays.add_working_days(datetime(2025, 9, 29, 9, 0, tzinfo=SHANGHAI), 40)
    assert len(queries) == 1


def test_a_clock_stored_as_utc_keeps_its_shanghai_time_of_day():
    started = datetime(2025, 9, 30, 1, 0, tzinfo=ZoneInfo("UTC"))  # 09:00 in Shanghai
    assert workdays.add_working_days(started, 1) == datetime(2025, 10, 9, 9, 0, tzinfo=SHANGHAI)


def test_the_regulator_clock_uses_the_calendar(declare, api):
    from .helpers import walk

    incident = declare(category="service_level")
    walk(api, incident["id"], "report", "activate")
    response = api("gm").post(
        f"/api/v1/incidents/{incident['id']}/regulator-decision/",
        {"decision": "report", "major_operational_risk": True, "comment": "重大操作风险"},
        format="json",
    )
    assert response.status_code == 200, response.content
    from escalation.models import Timer
    from incidents.models import Incident

    timer = Timer.objects.get(incident_id=incident["id"], kind="regulator_major_risk")
    activated = Incident.objects.get(pk=incident["id"]).activated_at
    assert timer.due_at == workdays.add_working_days(activated, 5)


def test_check_warns_when_a_clock_would_run_past_the_known_calendar(monkeypatch):
    last = workdays.calendar_last_year()
    monkeypatch.setattr(checks.timezone, "localdate", lambda: date(last, 12, 31) - timedelta(days=3))
    warnings = checks.calendar_horizon()
    assert [w.id for w in warnings] == ["escalation.W010"]
    assert str(last) in warnings[0].msg
    monkeypatch.setattr(checks.timezone, "localdate", lambda: date(last, 6, 1))
    assert checks.calendar_horizon() == []


def test_admin_shows_the_calendar_last_known_year(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    response = client.get("/admin/escalation/bankday/")
    assert response.status_code == 200
    assert str(workdays.calendar_last_year()) in response.content.decode()
    call_command("check")  # the check runs without a database query and without error
