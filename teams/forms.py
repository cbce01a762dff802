"""What naming an acting leader must carry (the page and the admin validate with this form)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Person

MAX_ACTING_PERIOD = timedelta(days=31)


class ActingLeaderForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("代理人"),
        queryset=Person.objects.filter(is_active=True, user__isnull=False).order_by("name"),
    )
    starts_at = forms.DateTimeField(label=_("开始时间"))
    ends_at = forms.DateTimeField(label=_("结束时间"))
    reason = forms.CharField(label=_("理由"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts is None or ends is None:
            return data
        now = timezone.now()
        if starts < now - timedelta(days=1):
            self.add_error("starts_at", _("开始时间不能早于一天前。"))
        if ends <= starts:
            self.add_error("ends_at", _("结束时间须晚于开始时间。"))
        elif ends - starts > MAX_ACTING_PERIOD:
            self.add_error("ends_at", _("一次代理最长 31 天。"))
        return data
