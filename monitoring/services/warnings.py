"""Early warnings → incidents. A firing is stored as an ``EarlyWarning`` with the threshold and the figure
judged, and goes to the incident of its source key (``rule:<code>:<queue>``): a new ``monitoring`` incident,
or an ``early_warning`` action on the open one — never a duplicate — and the owning working group is
notified."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _

from escalation import services as escalation_services
from incidents import policies as incident_policies
from incidents import services as incident_services
from incidents.models import OPEN_STATES, Incident

from ..models import (
    EarlyWarning,
    EarlyWarningRule,
    RuleKind,
)
from ..models.rule import RATE_OF_KIND
from .judging import FigureRow, Firing


def _figure_evidence(figure: FigureRow) -> dict[str, Any]:
    return {
        "interval_start": figure.interval_start.isoformat(),
        "interval_minutes": figure.interval_minutes,
        "offered": figure.offered,
        "answered": figure.answered,
        "answered_within_threshold": figure.answered_within_threshold,
        "abandoned": figure.abandoned,
        "short_abandons": figure.short_abandons,
        "asa_seconds": figure.asa_seconds,
        "complaints": figure.complaints,
        "threshold_seconds": figure.threshold_seconds,
        "answer_rate": figure.answer_rate,
        "service_level": figure.service_level,
        "abandonment_rate": figure.abandonment_rate,
        "answer_rate_formula": figure.answer_rate_formula,
        "service_level_formula": figure.service_level_formula,
        "abandonment_formula": figure.abandonment_formula,
    }


def _describe(rule: EarlyWarningRule, queue_code: str, value: float) -> str:
    threshold = float(rule.threshold or 0)
    if rule.kind == RuleKind.COMPLAINTS_ABOVE:
        return _("队列 %(q)s 每小时投诉 %(v)d 件，超过阈值 %(t)d 件（%(rule)s）。") % {
            "q": queue_code,
            "v": value,
            "t": threshold,
            "rule": rule.name,
        }
    names: dict[str, str] = {
        RuleKind.ANSWER_RATE_BELOW: _("接通率"),
        RuleKind.SERVICE_LEVEL_BELOW: _("服务水平"),
        RuleKind.ABANDONMENT_ABOVE: _("放弃率"),
    }
    figure_name = names[rule.kind]
    direction = _("低于") if RATE_OF_KIND[rule.kind][1] == "lt" else _("高于")
    return _("队列 %(q)s %(name)s %(v).1f%%，连续 %(n)d 个时段%(dir)s阈值 %(t).0f%%（%(rule)s）。") % {
        "q": queue_code,
        "name": figure_name,
        "v": value * 100,
        "n": rule.consecutive,
        "dir": direction,
        "t": threshold * 100,
        "rule": rule.name,
    }


def audience_of(rule: EarlyWarningRule, owning_group: str) -> list[str]:
    explicit = [item.strip() for item in rule.audience.split(",") if item.strip()]
    return explicit or [f"group:{owning_group}"]


def raise_warnings(*, firings: list[Firing], now: datetime) -> list[EarlyWarning]:
    warnings = []
    for firing in firings:
        rule, figure = firing.rule, firing.figure
        comparison = RATE_OF_KIND[rule.kind][1]
        evidence = {
            "rule": rule.code,
            "rule_name": rule.name,
            "kind": rule.kind,
            "queue": firing.queue.code,
            "comparison": comparison,
            "threshold": float(rule.threshold) if rule.threshold is not None else None,
            "consecutive": rule.consecutive,
            "min_offered": rule.min_offered,
            "figure": firing.judged,
            "interval_start": figure.interval_start.isoformat(),
            "intervals": [_figure_evidence(item) for item in firing.episode],
        }
        interval_end = figure.interval_start + timedelta(minutes=figure.interval_minutes)
        with translation.override(settings.LANGUAGE_CODE):
            title = _("【预警】%(rule)s：队列 %(q)s") % {"rule": rule.name, "q": firing.queue.code}
            description = _describe(rule, firing.queue.code, firing.judged)
        incident, outcome = incident_for_warning(
            source=f"rule:{rule.code}",
            source_key=f"rule:{rule.code}:{firing.queue.code}",
            category=rule.category,
            title=title,
            description=description,
            detected_at=min(interval_end, now),
            started_at=firing.episode[0].interval_start,
            evidence=evidence,
            affected_system="",
        )
        warning = EarlyWarning.objects.create(
            rule=rule,
            rule_code=rule.code,
            kind=rule.kind,
            queue=firing.queue,
            interval_start=figure.interval_start,
            at=interval_end,
            comparison=comparison,
            threshold=rule.threshold,
            consecutive=rule.consecutive,
            figure=firing.judged,
            evidence=evidence,
            incident=incident,
            outcome=outcome,
        )
        escalation_services.notify(
            incident=incident,
            audience=audience_of(rule, firing.queue.owning_group),
            event="early_warning",
            context={**evidence, "warning": warning.pk, "description": description},
        )
        warnings.append(warning)
    return warnings


def _source_lock(source_key: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [source_key])


def incident_for_warning(
    *,
    source: str,
    source_key: str,
    category: str,
    title: str,
    description: str,
    detected_at: datetime,
    started_at: datetime,
    evidence: dict[str, Any],
    affected_system: str,
) -> tuple[Incident, str]:
    """The open incident of this source key gets an ``early_warning`` action; otherwise a new incident in
    监测预警 is declared by the system. (Art. 18: declaring links a recurrence within the post-event watch
    of a terminated incident — ``escalation.services.recurrence_link``, run on ``IncidentDeclared``.)"""
    _source_lock(source_key)
    open_incident = (
        Incident.objects.filter(source_key=source_key, state__in=OPEN_STATES).order_by("-detected_at").first()
    )
    if open_incident is not None:
        incident_services.incident_record_action(
            incident_id=open_incident.pk,
            user=incident_policies.SYSTEM_USER,
            action="early_warning",
            comment=description,
            payload=evidence,
        )
        return open_incident, EarlyWarning.Outcome.APPENDED
    incident = incident_services.incident_declare(
        user=incident_policies.SYSTEM_USER,
        data={
            "title": title[:200],
            "category": category,
            "description": description,
            "detected_at": detected_at,
            "affected_system": affected_system,
        },
        source=source,
        source_key=source_key,
        started_at=started_at,
        evidence={"early_warning": evidence},
    )
    return incident, EarlyWarning.Outcome.DECLARED
