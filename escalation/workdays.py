"""China's working-day calendar: the one function every working-day clock uses (DESIGN §5).

A working day is a day of China's official schedule (State Council notices: public holidays, and the
make-up working weekends 调休) — taken from the maintained ``chinesecalendar`` package — unless the bank
declared otherwise (``BankDay`` rows, admin-editable, with a reason). Beyond the package's last known year
the schedule is not published yet: Monday to Friday is assumed there, and ``manage.py check`` warns before
a clock can reach that far (``escalation.checks``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
from chinese_calendar import constants as official
from django.utils import timezone

from .models import BankDay


def calendar_last_year() -> int:
    """The last year whose official holidays and make-up working days are known."""
    return max(day.year for day in (*official.holidays, *official.workdays))


def official_working_day(day: date) -> bool:
    if day.year > calendar_last_year():
        return day.weekday() < 5
    return bool(chinese_calendar.is_workday(day))


def working_days_between(first: date, last: date) -> list[date]:
    """The working days from ``first`` to ``last`` inclusive, the bank's own days applied."""
    declared = dict(BankDay.objects.filter(date__range=(first, last)).values_list("date", "kind"))
    days = []
    day = first
    while day <= last:
        kind = declared.get(day)
        if kind == BankDay.Kind.WORKING or (kind is None and official_working_day(day)):
            days.append(day)
        day += timedelta(days=1)
    return days


def is_working_day(day: date) -> bool:
    return bool(working_days_between(day, day))


def add_working_days(start: datetime, days: int) -> datetime:
    """``days`` working days after ``start``, at the same time of day in Asia/Shanghai: a clock started on
    Monday 29 September 2025 with 5 working days is due on Monday 13 October (National Day holiday skipped,
    make-up Saturday 11 October counted). One query for the bank's days, however long the span."""
    local = timezone.localtime(start)
    if days <= 0:
        return local
    # Three calendar weeks per working week always covers China's longest holiday runs.
    horizon = local.date() + timedelta(days=days * 3 + 21)
    candidates = working_days_between(local.date() + timedelta(days=1), horizon)
    while len(candidates) < days:  # only with bank days off covering weeks: widen and retry
        horizon += timedelta(days=days * 7 + 31)
        candidates = working_days_between(local.date() + timedelta(days=1), horizon)
    target = candidates[days - 1]
    return datetime.combine(target, local.timetz())
