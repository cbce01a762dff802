"""Pages of the security app: the read log for auditors (who read what), with filters and a CSV export."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from teams.selectors import actor_for

from .csvexport import csv_rows
from .models import ReadRecord

READ_LOG_COLUMNS = ["at", "username", "ip_address", "kind", "incident_id", "target", "path", "reason"]


class ReadLogFilter(django_filters.FilterSet):
    username = django_filters.CharFilter(label=_("用户名"), lookup_expr="iexact")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=ReadRecord.Kind.choices)
    incident_id = django_filters.NumberFilter(label=_("事件编号"))
    since = django_filters.DateFilter(
        label=_("起始日期"),
        field_name="at",
        lookup_expr="date__gte",
        widget=forms.DateInput({"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("截止日期"),
        field_name="at",
        lookup_expr="date__lte",
        widget=forms.DateInput({"type": "date"}),
    )

    class Meta:
        model = ReadRecord
        fields = ["username", "kind", "incident_id", "since", "until"]


def _records(request: HttpRequest) -> tuple[ReadLogFilter, QuerySet[ReadRecord]]:
    actor = actor_for(request.user)
    if not (actor.is_auditor or actor.is_admin):
        raise PermissionDenied(_("只有审计人员可以查看读取记录。"))
    filterset = ReadLogFilter(request.GET, queryset=ReadRecord.objects.order_by("-at", "-id"))
    records = filterset.qs if filterset.is_valid() else ReadRecord.objects.none()  # errors shown by field
    return filterset, records


@login_required
def read_log(request: HttpRequest) -> HttpResponse:
    filterset, records = _records(request)
    page = Paginator(records, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "security/read_log.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


@login_required
def read_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    _filterset, records = _records(request)
    rows = records.values_list(*READ_LOG_COLUMNS).iterator(chunk_size=2000)
    response = StreamingHttpResponse(csv_rows(READ_LOG_COLUMNS, rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="read-log-{stamp}.csv"'
    return response
