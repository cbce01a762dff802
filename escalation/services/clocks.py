"""The clocks other apps start: the outage clock (Art. 2), the regulator deadlines (Art. 10), the late
report (Art. 21) and the post-event watch with its recurrence link (Art. 18)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Incident, State
from incidents.plans import Category
from incidents.policies import SYSTEM_USER

from ..defaults import DEFAULT_POLICIES
from ..models import LateReport, Timer, TimerKind
from .notifications import notify
from .policies import add_working_days, policy_snapshot
from .timers import OUTAGE_KINDS, REGULATOR_DEADLINE_KINDS, _pending, timer_schedule, timers_cancel

K = TimerKind


def outage_clock_start(*, incident: Any, outage_started_at: datetime) -> None:
    """Art. 2: start the 60-minute outage clock for a system-outage incident in `monitoring`, counted from the
    outage start: warnings at ``OUTAGE_WARNING_SECONDS`` to technical support and the phone group, the
    report at ``OUTAGE_LIMIT_SECONDS``. Idempotent: a clock already running is kept (first start wins)."""
    if incident.state != State.MONITORING:
        return
    if Timer.objects.filter(_pending(), incident=incident, kind__in=OUTAGE_KINDS).exists():
        return
    limit = settings.OUTAGE_LIMIT_SECONDS
    common = {
        "system": incident.affected_system,
        "limit_seconds": limit,
        "outage_started_at": outage_started_at.isoformat(),
    }
    for warning in sorted(w for w in settings.OUTAGE_WARNING_SECONDS if 0 < w < limit):
        timer_schedule(
            incident=incident,
            kind=K.OUTAGE_WARNING,
            due_at=outage_started_at + timedelta(seconds=warning),
            payload={**common, "after_seconds": warning, "audience": ["party:tech_support", "group:phone"]},
        )
    timer_schedule(
        incident=incident,
        kind=K.OUTAGE_LIMIT,
        due_at=outage_started_at + timedelta(seconds=limit),
        payload={**common, "audience": ["leadership"]},
    )
    # Art. 7 (2): the system's maintenance and technical support are told at once, and must acknowledge.
    notify(
        incident=incident,
        audience=["party:tech_support"],
        event="outage_handoff",
        context={"system": incident.affected_system, "outage_started_at": outage_started_at},
        needs_ack=True,
    )


def outage_clock_cancel(*, incident: Any, recovered_at: datetime) -> None:
    """The system came back before the limit: cancel the clock; the phone group and technical support are
    told the warning may now be dismissed (``dismiss`` stays available in `monitoring`)."""
    cancelled = timers_cancel(incident=incident, kinds=OUTAGE_KINDS, at=recovered_at, reason="recovered")
    # the hand-off to technical support no longer waits for its acknowledgement
    Timer.objects.filter(
        incident=incident,
        kind=K.ACK_SILENT,
        fired_at__isnull=True,
        cancelled_at__isnull=True,
        payload__event="outage_handoff",
    ).update(cancelled_at=recovered_at, outcome="recovered")
    if cancelled:
        notify(
            incident=incident,
            audience=["group:phone", "party:tech_support"],
            event="outage_recovered",
            context={"system": incident.affected_system, "recovered_at": recovered_at.isoformat()},
        )


def regulator_clock_start(*, incident: Any, decision: dict[str, Any]) -> list[Timer]:
    """Art. 10: once the Leadership Group decides to report, count down to the regulator deadlines, from the
    activation (or from the decision when it came first): phone report, written report for grade Ⅰ,
    important-system events, major operational-risk events (DESIGN §5 defaults, policy
    ``regulator_deadlines``)."""
    timers_cancel(
        incident=incident, kinds=[K.REGULATOR_DECISION_MISSING, *REGULATOR_DEADLINE_KINDS], reason="decided"
    )
    if decision.get("decision") != "report":
        return []
    snapshot = policy_snapshot(code="regulator_deadlines")
    if snapshot is None:
        return []
    params = snapshot["params"]
    start = incident.activated_at or incident.regulator_decided_at or timezone.now()
    due: list[tuple[str, datetime]] = [
        (K.REGULATOR_PHONE_REPORT, start + timedelta(seconds=params["phone_report_seconds"]))
    ]
    if incident.grade == "I":
        due.append(
            (K.REGULATOR_WRITTEN_REPORT, start + timedelta(seconds=params["written_report_grade_i_seconds"]))
        )
    if decision.get("important_system"):
        due.append(
            (K.REGULATOR_IMPORTANT_SYSTEM, start + timedelta(seconds=params["important_system_seconds"]))
        )
    if decision.get("major_operational_risk"):
        due.append(
            (
                K.REGULATOR_MAJOR_RISK,
                add_working_days(start, int(params["major_operational_risk_working_days"])),
            )
        )
    audience = params.get("audience") or ["leadership_deciders", "party:regulator_liaison"]
    return [
        timer_schedule(
            incident=incident,
            kind=kind,
            due_at=at,
            payload={
                "audience": audience,
                "event": "regulator_deadline",
                "context": {"label": str(TimerKind(kind).label)},
            },
        )
        for kind, at in due
    ]


# --- late report (缓报) and the post-event watch (Art. 18, 21) ------------------------------------------


def _late_report_threshold(incident: Any, snapshot: dict[str, Any] | None) -> int:
    threshold = int((snapshot or DEFAULT_POLICIES["late_report"])["params"].get("threshold_seconds", 3600))
    if incident.category == Category.SYSTEM_OUTAGE:
        # Art. 2 itself allows an outage to be watched for the outage limit before it is reported (the
        # system reports at the limit): reporting within it, plus one minute's slack, is not late.
        threshold = max(threshold, settings.OUTAGE_LIMIT_SECONDS + 60)
    return threshold


def late_report_threshold(incident: Any) -> int | None:
    """The policy's threshold for this incident now; None when the ``late_report`` policy is off."""
    snapshot = policy_snapshot(code="late_report")
    return None if snapshot is None else _late_report_threshold(incident, snapshot)


def late_report_record(*, incident: Any) -> LateReport | None:
    """At the first ``report``: measure detection → report against the policy threshold and keep it, so the
    investigation's Art. 21 findings are pre-filled (``escalation.selectors.late_report_of``)."""
    if incident.reported_at is None or LateReport.objects.filter(incident=incident).exists():
        return None
    snapshot = policy_snapshot(code="late_report")
    threshold = _late_report_threshold(incident, snapshot)
    delay = max(0, int((incident.reported_at - incident.detected_at).total_seconds()))
    record = LateReport.objects.create(
        incident=incident,
        detected_at=incident.detected_at,
        reported_at=incident.reported_at,
        delay_seconds=delay,
        threshold_seconds=threshold,
        is_late=snapshot is not None and delay > threshold,
    )
    if record.is_late:
        incident_services.incident_record_action(
            incident_id=incident.pk,
            user=SYSTEM_USER,
            action="late_report_flagged",
            comment=f"发现至上报 {delay // 60} 分钟，超过 {threshold // 60} 分钟（缓报，第二十一条）",
            payload={"delay_seconds": delay, "threshold_seconds": threshold},
        )
        notify(
            incident=incident,
            audience=["leadership_deciders"],
            event="late_report",
            context={"delay_minutes": delay // 60, "threshold_minutes": threshold // 60},
        )
    return record


def recurrence_link(*, incident: Any) -> Incident | None:
    """Art. 18: within the watch period after a termination, a new warning about the same system or of the
    same category is linked to the terminated incident, and that incident's lead group is told. Called in the
    declaring transaction, so the link commits with the new incident."""
    snapshot = policy_snapshot(code="post_event_watch")
    if snapshot is None or incident.related_incident_id:
        return None
    now = timezone.now()
    since = now - timedelta(hours=float(snapshot["params"].get("hours", 72)))
    same = Q(category=incident.category)
    if incident.affected_system:
        same |= Q(affected_system=incident.affected_system)
    related = (
        Incident.objects.filter(
            same, terminated_at__gte=since, terminated_at__lte=now, is_drill=incident.is_drill
        )
        .exclude(pk=incident.pk)
        .select_related("lead_group")
        .order_by("-terminated_at")
        .first()
    )
    if related is None:
        return None
    incident_services.incident_relate(
        incident_id=incident.pk,
        related_id=related.pk,
        user=SYSTEM_USER,
        comment=f"事后观察期内再次预警，已关联已终止事件 #{related.pk}（第十八条）",
        payload={
            "related_incident": related.pk,
            "same_system": bool(incident.affected_system)
            and incident.affected_system == related.affected_system,
        },
    )
    audience = [f"group:{related.lead_group.code}"] if related.lead_group else ["leadership_deciders"]
    notify(
        incident=incident,
        audience=audience,
        event="recurrence_linked",
        context={"related_id": related.pk, "related_title": related.title},
    )
    return related


def post_event_watch_start(*, incident: Any) -> Timer | None:
    """Art. 18: show the end of the post-event watch as a deadline on the incident (the linking itself is a
    query at declaration, so it needs no timer to work)."""
    snapshot = policy_snapshot(code="post_event_watch")
    if snapshot is None or incident.terminated_at is None:
        return None
    hours = float(snapshot["params"].get("hours", 72))
    return timer_schedule(
        incident=incident,
        kind=K.POST_EVENT_WATCH,
        due_at=incident.terminated_at + timedelta(hours=hours),
        payload={},
    )
