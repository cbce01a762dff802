"""The monitoring page: answer rate and service level per queue over time, thresholds, warnings marked."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import selectors


class ChartForm(forms.Form):
    queue = forms.ChoiceField(label=_("队列"), required=False)
    day = forms.DateField(label=_("截至日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(label=_("天数"), min_value=1, max_value=31, required=False, initial=2)

    def __init__(self, *args, queue_codes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        queue_field = self.fields["queue"]
        assert isinstance(queue_field, forms.ChoiceField)
        queue_field.choices = [(code, code) for code in queue_codes]


@login_required
def monitoring_home(request: HttpRequest) -> HttpResponse:
    if not selectors.may_view_monitoring(user=request.user):
        raise PermissionDenied
    queues = list(selectors.queues())
    form = ChartForm(request.GET or None, queue_codes=[q.code for q in queues])
    chart = None
    queue = queues[0] if queues else None
    if form.is_bound and form.is_valid() and form.cleaned_data["queue"]:
        queue = next(q for q in queues if q.code == form.cleaned_data["queue"])
    if queue is not None:
        window = selectors.default_window(queue=queue)
        if form.is_bound and form.is_valid() and form.cleaned_data["day"]:
            end = timezone.make_aware(datetime.combine(form.cleaned_data["day"] + timedelta(days=1), time()))
            window = (end - timedelta(days=form.cleaned_data["days"] or 2), end)
        elif window and form.is_bound and form.is_valid() and form.cleaned_data["days"]:
            window = (window[1] - timedelta(days=form.cleaned_data["days"]), window[1])
        if window is not None:
            chart = selectors.chart_series(queue=queue, start=window[0], end=window[1])
    return render(
        request,
        "monitoring/home.html",
        {
            "form": form,
            "queue": queue,
            "chart": chart,
            "systems": selectors.systems(),
            "rules": selectors.rules(),
            "warnings": selectors.recent_warnings(),
        },
    )
