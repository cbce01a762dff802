from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

from incidents.models.checklist import measure_title
from reports.labels import label as label_for

register = template.Library()


@register.filter
def label(code: object, kind: str) -> str:
    """``{{ incident.category|label:"category" }}`` — the reader's word for a code of the report."""
    return label_for(kind, code)


@register.filter
def measure(title: str) -> str:
    """``{{ m.title|measure }}`` — a measure's stored title, its plan words in the reader's language."""
    return measure_title(title or "")


@register.filter
def local(value: str | None) -> str:
    """A UTC ISO time of the report, shown in Asia/Shanghai."""
    if not value:
        return "—"
    return timezone.localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")


@register.filter
def yesno_unknown(value: bool | None) -> str:
    from django.utils.translation import gettext

    if value is None:
        return gettext("未认定")
    return gettext("是") if value else gettext("否")


@register.simple_tag
def answer_rate_chart(series: list[dict] | None) -> str:
    """The answer rate and service level around the incident, drawn as SVG (HTML page and PDF alike)."""
    from django.utils.translation import gettext

    from reports.charts import rate_chart

    if not series:
        return ""
    return rate_chart(
        title=gettext("事件前后的接通率与服务水平"),
        series=series,
        legend=(gettext("接通率"), gettext("服务水平")),
    )
