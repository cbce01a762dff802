"""``{% load monitoring_charts %}{% incident_chart incident %}`` — the rule's chart on an incident page.
Renders nothing for incidents not raised by a rule on a queue."""

from __future__ import annotations

from typing import Any

from django import template

from monitoring import selectors

register = template.Library()


@register.inclusion_tag("monitoring/partials/_incident_chart.html")
def incident_chart(incident: Any) -> dict[str, Any]:
    return {"monitoring_chart": selectors.chart_for_incident(incident=incident), "incident": incident}
