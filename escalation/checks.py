"""``manage.py check`` warns before a working-day clock can run past the last year China's official calendar
is known for (``escalation.workdays``): beyond it Monday to Friday is assumed, which is wrong around the
Spring Festival and National Day — update ``chinesecalendar`` (or declare the days as bank days)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.checks import Warning as CheckWarning
from django.utils import timezone
from django.utils.translation import gettext as _

from .defaults import DEFAULT_POLICIES


def longest_working_day_clock() -> int:
    """The longest clock in working days among the built-in policies (steps and parameters)."""
    longest = 0
    for policy in DEFAULT_POLICIES.values():
        for step in policy["steps"]:
            longest = max(longest, int(step.get("after_working_days") or 0))
        for name, value in policy["params"].items():
            if name.endswith("working_days"):
                longest = max(longest, int(value))
    return longest


def calendar_horizon(**kwargs: Any) -> list[CheckWarning]:
    from . import workdays

    last_year = workdays.calendar_last_year()
    # Without the database (a check may run before it exists): the official days only, walked by hand.
    day, left = timezone.localdate(), longest_working_day_clock()
    while left > 0:
        day += timedelta(days=1)
        left -= workdays.official_working_day(day)
    if day.year <= last_year:
        return []
    return [
        CheckWarning(
            _(
                "中国法定节假日日历只到 %(year)d 年；从今天起的 %(days)d 个工作日时限将超出该年，"
                "届时按周一至周五计算。"
            )
            % {"year": last_year, "days": longest_working_day_clock()},
            hint=_("升级 chinesecalendar，或在后台“本行工作日调整”中登记次年的节假日和调休工作日。"),
            id="escalation.W001",
        )
    ]
