"""System status (Art. 2: the outage clock): ``down`` opens the outage incident and starts the clock, ``up``
ends it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import Conflict, Invalid
from escalation import services as escalation_services
from incidents import policies as incident_policies
from incidents import services as incident_services
from incidents.models import Incident, State

from ..models import (
    EarlyWarning,
    EarlyWarningRule,
    MonitoredSystem,
    RuleKind,
    SystemEvent,
    SystemStatus,
)
from .validation import add_error, clean_code, parse_time, require_integrator
from .warnings import audience_of, incident_for_warning


@dataclass
class SystemEventResult:
    event: SystemEvent | None
    system: MonitoredSystem
    changed: bool
    incident: Incident | None
    message: str


def system_event_record(*, user: Any, data: Any, now: datetime | None = None) -> SystemEventResult:
    """``{"system", "status": "down"|"up", "at"}``. ``down`` opens (or reuses) the system's outage incident
    and starts the 60-minute clock; ``up`` cancels the clock and records the recovery on the timeline.
    A repeated status is a no-op (``changed`` false); an event older than the current status is a 409."""
    require_integrator(user)
    now = now or timezone.now()
    errors: dict[str, list[dict[str, str]]] = {}
    if not isinstance(data, dict):
        raise Invalid(
            _("请求体须为 JSON 对象。"), detail={"non_field_errors": [{"message": _("格式错误。")}]}
        )
    sent = data.get("system")
    code = clean_code(sent)
    status = data.get("status")
    at = parse_time(data.get("at"))
    system = None
    if not isinstance(sent, str) or not sent.strip():
        add_error(errors, "system", _("必填。"), "required")
    elif code is None:
        add_error(errors, "system", _("系统代码须为 1 到 50 个字符，且不含空字符。"))
    else:
        system = MonitoredSystem.objects.filter(code=code, is_active=True).first()
        if system is None:
            add_error(
                errors,
                "system",
                _("未登记的系统“%(code)s”：请先在系统管理的“受监测系统”中登记。") % {"code": code[:50]},
                "unknown_system",
            )
    if status not in (SystemStatus.DOWN, SystemStatus.UP):
        add_error(errors, "status", _("须为 down 或 up。"))
    max_age = timedelta(seconds=settings.MONITORING_EVENT_MAX_AGE_SECONDS)
    if at is None:
        add_error(errors, "at", _("须为带时区偏移的 ISO 8601 时间。"))
    elif at > now + timedelta(seconds=settings.MONITORING_CLOCK_SKEW_SECONDS):
        add_error(errors, "at", _("时间晚于现在：不接受未来的状态事件。"), "future")
    elif at < now - max_age:
        add_error(
            errors,
            "at",
            _("时间早于 %(h)s 小时前：过旧的状态事件不能启动计时。")
            % {"h": round(max_age.total_seconds() / 3600)},
            "too_old",
        )
    if errors:
        raise Invalid(_("系统状态事件有误：请更正标出的字段。"), detail=errors)
    assert system is not None and at is not None
    with transaction.atomic():
        return _apply_system_event(system_id=system.pk, status=str(status), at=at, user=user)


def _apply_system_event(*, system_id: int, status: str, at: datetime, user: Any) -> SystemEventResult:
    system = MonitoredSystem.objects.select_for_update().get(pk=system_id)
    if system.status == status:
        return SystemEventResult(
            event=None,
            system=system,
            changed=False,
            incident=system.current_incident,
            message=_("状态未变化（重复报送），未做任何改动。"),
        )
    if system.status_since and at < system.status_since:
        raise Conflict(
            _("该事件早于系统当前状态的开始时间（%(since)s），不能改变状态。")
            % {"since": timezone.localtime(system.status_since).isoformat()},
            current_state=system.status,
        )
    reporter = user if getattr(user, "pk", None) else None
    if status == SystemStatus.DOWN:
        return _system_down(system=system, at=at, reporter=reporter)
    return _system_up(system=system, at=at, reporter=reporter)


def _system_down(*, system: MonitoredSystem, at: datetime, reporter: Any) -> SystemEventResult:
    rule = EarlyWarningRule.objects.filter(kind=RuleKind.SYSTEM_DOWN, enabled=True).order_by("code").first()
    incident = None
    outcome = SystemEvent.Outcome.RECORDED
    if rule is not None:
        evidence = {
            "rule": rule.code,
            "rule_name": rule.name,
            "kind": rule.kind,
            "system": system.code,
            "system_name": system.name,
            "status": SystemStatus.DOWN,
            "at": at.isoformat(),
            "comparison": "",
            "threshold": None,
            "figure": None,
        }
        with translation.override(settings.LANGUAGE_CODE):
            title = _("【系统故障】%(name)s 中断") % {"name": system.name}
            description = _("系统 %(name)s（%(code)s）于 %(at)s 报告故障。") % {
                "name": system.name,
                "code": system.code,
                "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"),
            }
        incident, warning_outcome = incident_for_warning(
            source="system",
            source_key=f"system:{system.code}",
            category=rule.category,
            title=title,
            description=description,
            detected_at=at,
            started_at=at,
            evidence=evidence,
            affected_system=system.code,
        )
        outcome = (
            SystemEvent.Outcome.OPENED
            if warning_outcome == EarlyWarning.Outcome.DECLARED
            else SystemEvent.Outcome.REUSED
        )
        if incident.state == State.MONITORING:
            # Art. 2: the clock runs only while the outage is a warning; once reported it has done its job.
            escalation_services.outage_clock_start(incident=incident, outage_started_at=at)
        EarlyWarning.objects.create(
            rule=rule,
            rule_code=rule.code,
            kind=rule.kind,
            system=system,
            at=at,
            evidence=evidence,
            incident=incident,
            outcome=warning_outcome,
        )
        escalation_services.notify(
            incident=incident,
            audience=audience_of(rule, system.owning_group),
            event="system_down",
            context={**evidence, "description": description},
        )
    system.status, system.status_since, system.current_incident = SystemStatus.DOWN, at, incident
    system.save(update_fields=["status", "status_since", "current_incident"])
    event = SystemEvent.objects.create(
        system=system,
        status=SystemStatus.DOWN,
        at=at,
        outcome=outcome,
        incident=incident,
        reported_by=reporter,
    )
    return SystemEventResult(
        event=event, system=system, changed=True, incident=incident, message=_("已记录系统故障。")
    )


def _system_up(*, system: MonitoredSystem, at: datetime, reporter: Any) -> SystemEventResult:
    incident = system.current_incident
    down_since = system.status_since if system.status == SystemStatus.DOWN else None
    if incident is not None:
        # The incident row first, then its timers: the lock order of every write (no deadlock with a
        # transition of the same incident running at the same moment).
        with incident_services.incident_action(
            incident.pk, user=incident_policies.SYSTEM_USER, may=None
        ) as act:
            escalation_services.outage_clock_cancel(incident=act.incident, recovered_at=at)
            if act.incident.state != State.CLOSED:
                with translation.override(settings.LANGUAGE_CODE):
                    comment = _("系统 %(name)s 于 %(at)s 恢复正常。") % {
                        "name": system.name,
                        "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"),
                    }
                act.record(
                    "system_recovered",
                    comment=comment,
                    payload={
                        "system": system.code,
                        "down_at": down_since.isoformat() if down_since else None,
                        "up_at": at.isoformat(),
                        "outage_seconds": int((at - down_since).total_seconds()) if down_since else None,
                    },
                )
    system.status, system.status_since, system.current_incident = SystemStatus.UP, at, None
    system.save(update_fields=["status", "status_since", "current_incident"])
    event = SystemEvent.objects.create(
        system=system,
        status=SystemStatus.UP,
        at=at,
        outcome=SystemEvent.Outcome.RECOVERED if incident else SystemEvent.Outcome.RECORDED,
        incident=incident,
        reported_by=reporter,
    )
    return SystemEventResult(
        event=event, system=system, changed=True, incident=incident, message=_("已记录系统恢复。")
    )
