"""The one rule for a time anyone gives the app — a form, an API body, a list filter, a query parameter.

A time is plausible when it is between 1970 and 2099 (the replayed call records go back to 1999; far-off
years are typing errors, and before 1901 Asia/Shanghai has a local-mean-time offset with seconds that no
ISO 8601 reader accepts back) and its UTC offset is one a place on Earth uses (−12:00 to +14:00; PostgreSQL
refuses larger ones, which was a 500). Anything else is a field error naming the field, never a database
error. Pages use ``PlausibleDateTimeField``, the API's filters ``PlausibleIsoDateTimeFilter``, plain-Python
parsers ``plausible_time_error``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

EARLIEST_YEAR, LATEST_YEAR = 1970, 2099
OFFSET_MIN, OFFSET_MAX = timedelta(hours=-12), timedelta(hours=14)


def plausible_time_error(value: datetime) -> tuple[str, str] | None:
    """``(message, code)`` when the time breaks the rule, else None."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        return str(_("时间须在 1970 年至 2099 年之间。")), "implausible"
    offset = value.utcoffset()
    if offset is not None and not OFFSET_MIN <= offset <= OFFSET_MAX:
        return str(_("时区偏移须在 -12:00 至 +14:00 之间。")), "implausible_offset"
    return None


def _validate(value: Any) -> None:
    if isinstance(value, datetime):
        error = plausible_time_error(value)
        if error is not None:
            raise forms.ValidationError(error[0], code=error[1])


class PlausibleDateTimeField(forms.DateTimeField):
    """A page's or an API body's time (the forms validate both)."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        _validate(value)


class PlausibleDateField(forms.DateField):
    """A date (a due date, a roster's first day) under the same years."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise forms.ValidationError(_("时间须在 1970 年至 2099 年之间。"), code="implausible")


class PlausibleIsoDateTimeField(IsoDateTimeField):
    """A filter's ISO 8601 time under the same rule."""

    def to_python(self, value: Any) -> Any:
        text = value.strip() if isinstance(value, str) else value
        if isinstance(text, str) and text:
            try:  # parsed before Django makes it aware: an offset Python cannot build is a field error too
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except (ValueError, OverflowError) as exc:
                raise forms.ValidationError(_("请输入 ISO 8601 格式的时间。"), code="invalid") from exc
            _validate(parsed)
        return super().to_python(value)


class PlausibleIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = PlausibleIsoDateTimeField
