"""Timers, escalation and notifications (DESIGN §5) — the writes of this app.

Timers are rows written in the caller's transaction (the state change that starts them); the database is
the source of truth and Celery only the engine. A timer fires at most once: ``timer_fire`` locks the
incident, then the timer row with ``fired_at`` still empty, re-checks that the incident is still in a state
the timer is about, acts and sets ``fired_at`` — all in one transaction. The periodic sweep fires what is
due; a short ETA nudge (carrying the row's fencing token) only cuts latency and does nothing when the row
is already fired, cancelled or superseded. No timer depends on a message surviving in Redis.

The first functions (``outage_clock_start``, ``outage_clock_cancel``, ``notify``) are the contract other
apps call, inside their own transactions.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Incident
from incidents.policies import SYSTEM_USER

from . import acks, channels, messages
from . import audience as audience_module
from .defaults import DEFAULT_POLICIES
from .models import Escalation, EscalationPolicy, LateReport, Notification, Timer, TimerKind

logger = logging.getLogger(__name__)

K = TimerKind
_AFTER_ACTIVATION = frozenset(
    {"activated", "executing", "termination_requested", "terminated", "investigating"}
)

# The states a timer is about: leaving them cancels it; firing re-checks them (None: any state).
KIND_STATES: dict[str, frozenset[str] | None] = {
    K.OUTAGE_WARNING: frozenset({"monitoring"}),
    K.OUTAGE_LIMIT: frozenset({"monitoring"}),
    K.DECISION_PENDING: frozenset({"reported"}),
    K.PROGRESS_SILENT: frozenset({"executing"}),
    K.APPROVALS_MISSING: frozenset({"termination_requested"}),
    K.TERMINATION_OVERDUE: frozenset({"executing", "termination_requested"}),
    K.INVESTIGATION_NOT_STARTED: frozenset({"terminated"}),
    K.INVESTIGATION_NOT_CLOSED: frozenset({"investigating"}),
    K.REGULATOR_DECISION_MISSING: _AFTER_ACTIVATION,
    K.REGULATOR_PHONE_REPORT: _AFTER_ACTIVATION,
    K.REGULATOR_WRITTEN_REPORT: _AFTER_ACTIVATION,
    K.REGULATOR_IMPORTANT_SYSTEM: _AFTER_ACTIVATION,
    K.REGULATOR_MAJOR_RISK: _AFTER_ACTIVATION,
    K.POST_EVENT_WATCH: frozenset({"terminated", "investigating", "closed"}),
    K.REMINDER: None,
    K.ACK_SILENT: None,
}
REGULATOR_DEADLINE_KINDS = (
    K.REGULATOR_PHONE_REPORT,
    K.REGULATOR_WRITTEN_REPORT,
    K.REGULATOR_IMPORTANT_SYSTEM,
    K.REGULATOR_MAJOR_RISK,
)
OUTAGE_KINDS = (K.OUTAGE_WARNING, K.OUTAGE_LIMIT)
OUTAGE_REPORT_REASON = "outage exceeded 60 minutes"
FIRE_MAX_ATTEMPTS = 3


def _pending() -> Q:
    return Q(fired_at__isnull=True, cancelled_at__isnull=True)


# --- the contract other apps call ----------------------------------------------------------------------


def outage_clock_start(*, incident: Any, outage_started_at: datetime) -> None:
    """Art. 2: start the 60-minute outage clock for a system-outage incident in `monitoring`, counted from the
    outage start: warnings at ``OUTAGE_WARNING_SECONDS`` to technical support and the phone group, the
    report at ``OUTAGE_LIMIT_SECONDS``. Idempotent: a clock already running is kept (first start wins)."""
    if incident.state != "monitoring":
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
    if cancelled:
        notify(
            incident=incident,
            audience=["group:phone", "party:tech_support"],
            event="outage_recovered",
            context={"system": incident.affected_system, "recovered_at": recovered_at.isoformat()},
        )


def notify(
    *,
    incident: Any | None,
    audience: Sequence[str],
    event: str,
    context: dict[str, Any] | None = None,
    timer: Timer | None = None,
    needs_ack: bool = False,
) -> list[Notification]:
    """Write one notification row per recipient and channel (the in-app inbox always, plus e-mail, SMS,
    robots and webhooks as configured); delivery is queued on commit. ``event`` names a message template.
    ``needs_ack``: each person must acknowledge; silence moves it on (``escalation.acks``)."""
    context = dict(context or {})
    targets = audience_module.resolve(list(audience), incident)
    if not targets:
        logger.warning(
            "notification %s for incident %s reached nobody (%s)",
            event,
            getattr(incident, "pk", None),
            audience,
        )
        return []
    subject, body = messages.render(event=event, incident=incident, context=context)
    now = timezone.now()
    batch = uuid.uuid4()
    is_drill = bool(getattr(incident, "is_drill", False) or context.get("is_drill"))
    rows = Notification.objects.bulk_create(
        [
            Notification(
                incident=incident,
                timer=timer,
                event=event,
                audience=key,
                recipient_id=target.user_id if target.channel == "inbox" else None,
                recipient_name=target.name,
                channel=target.channel,
                address=target.address,
                secret=target.secret,
                subject=subject,
                body=body,
                is_drill=is_drill,
                status=Notification.Status.SENT if target.channel == "inbox" else Notification.Status.PENDING,
                sent_at=now if target.channel == "inbox" else None,
                next_attempt_at=None if target.channel == "inbox" else now,
                batch=batch,
                person_id=target.person_id,
                # a person, or a shared mailbox (a party's: legal, head office), must acknowledge
                needs_ack=needs_ack and (target.person_id is not None or target.channel == "email"),
            )
            for key, target in targets
        ]
    )
    if needs_ack and incident is not None:
        acks.silence_watch(incident=incident, rows=rows)
    outgoing = [row.pk for row in rows if row.channel != Notification.Channel.INBOX]
    if outgoing:
        transaction.on_commit(lambda: _enqueue_deliveries(outgoing), robust=True)
    return rows


def _enqueue_deliveries(ids: Iterable[int]) -> None:
    from . import tasks

    for notification_id in ids:
        tasks.notification_deliver.delay(notification_id)


# --- timers --------------------------------------------------------------------------------------------


def timer_schedule(
    *,
    incident: Any,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
    escalation: Escalation | None = None,
) -> Timer:
    """Write a timer in the caller's transaction. If it is due soon, a nudge is sent after commit."""
    now = timezone.now()
    soon = due_at <= now + timedelta(seconds=settings.ESCALATION_NUDGE_HORIZON_SECONDS)
    timer = Timer.objects.create(
        incident=incident,
        escalation=escalation,
        kind=kind,
        due_at=due_at,
        payload=payload or {},
        nudged_at=now if soon else None,
    )
    if soon:
        _nudge_on_commit([(timer.pk, str(timer.token), due_at)])
    return timer


def _nudge_on_commit(nudges: list[tuple[int, str, datetime]]) -> None:
    def send() -> None:
        from . import tasks

        for timer_id, token, due_at in nudges:
            tasks.timer_fire.apply_async((timer_id, token), eta=due_at)

    # robust: the broker being down must not turn a committed state change into an error; the sweep fires it.
    transaction.on_commit(send, robust=True)


def timers_cancel(
    *, incident: Any, kinds: Iterable[str] | None = None, at: datetime | None = None, reason: str = ""
) -> int:
    """Cancel the incident's pending timers (of these kinds), and end the escalations they belong to."""
    at = at or timezone.now()
    timers = Timer.objects.filter(_pending(), incident=incident)
    escalations = Escalation.objects.filter(incident=incident, ended_at__isnull=True)
    if kinds is not None:
        kinds = list(kinds)
        timers = timers.filter(kind__in=kinds)
        escalations = escalations.filter(kind__in=kinds)
    escalations.update(ended_at=at, end_reason=reason[:100])
    return timers.update(cancelled_at=at, outcome=reason[:200])


def timers_cancel_out_of_state(*, incident: Any, reason: str) -> int:
    """After a transition: cancel every timer that is not about the incident's new state."""
    stale = [
        kind for kind, states in KIND_STATES.items() if states is not None and incident.state not in states
    ]
    return timers_cancel(incident=incident, kinds=stale, reason=reason)


# --- escalation policies, snapshotted --------------------------------------------------------------------


def policies_seed_defaults() -> int:
    """Write the DESIGN §5 defaults for every policy that has no row yet (idempotent); returns how many."""
    created = 0
    for code, policy in DEFAULT_POLICIES.items():
        _row, was_created = EscalationPolicy.objects.get_or_create(
            code=code,
            defaults={k: policy[k] for k in ("name", "description", "steps", "params")},
        )
        created += was_created
    return created


def policy_snapshot(*, code: str) -> dict[str, Any] | None:
    """The policy as it stands now (the admin's row, else the built-in default); None when switched off."""
    row = EscalationPolicy.objects.filter(code=code).first()
    if row is not None:
        if not row.is_active:
            return None
        return {"code": code, "name": row.name, "steps": row.steps, "params": row.params}
    default = DEFAULT_POLICIES.get(code)
    return {"code": code, **{k: default[k] for k in ("name", "steps", "params")}} if default else None


def add_working_days(start: datetime, days: int) -> datetime:
    """Monday to Friday in Asia/Shanghai, same time of day (public holidays are not modelled)."""
    local = timezone.localtime(start)
    while days > 0:
        local += timedelta(days=1)
        if local.weekday() < 5:
            days -= 1
    return local


def _step_due(start: datetime, step: dict[str, Any]) -> datetime:
    if step.get("after_working_days") is not None:
        return add_working_days(start, int(step["after_working_days"]))
    return start + timedelta(seconds=int(step.get("after_seconds") or 0))


def escalation_start(
    *,
    incident: Any,
    policy_code: str,
    kind: str,
    start_at: datetime | None = None,
    context: dict[str, Any] | None = None,
) -> Escalation | None:
    """Start a policy's chain on the incident: snapshot the policy and write one timer per step now, so
    editing the policy later never changes this run (the Grafana OnCall habit). A running chain of the
    same kind is ended first."""
    snapshot = policy_snapshot(code=policy_code)
    timers_cancel(incident=incident, kinds=[kind], reason="restarted")
    if snapshot is None or not snapshot["steps"]:
        return None
    start_at = start_at or timezone.now()
    escalation = Escalation.objects.create(
        incident=incident, policy_code=policy_code, kind=kind, snapshot=snapshot, started_at=start_at
    )
    for number, step in enumerate(snapshot["steps"], start=1):
        timer_schedule(
            incident=incident,
            kind=kind,
            escalation=escalation,
            due_at=_step_due(start_at, step),
            payload={
                "audience": step["audience"],
                "event": step.get("event") or kind,
                "step": number,
                "context": context or {},
            },
        )
    return escalation


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


def late_report_record(*, incident: Any) -> LateReport | None:
    """At the first ``report``: measure detection → report against the policy threshold and keep it, so the
    investigation's Art. 21 findings are pre-filled (``escalation.selectors.late_report_of``)."""
    if incident.reported_at is None or LateReport.objects.filter(incident=incident).exists():
        return None
    snapshot = policy_snapshot(code="late_report")
    threshold = int((snapshot or DEFAULT_POLICIES["late_report"])["params"].get("threshold_seconds", 3600))
    if incident.category == "system_outage":
        # Art. 2 itself allows an outage to be watched for the outage limit before it is reported (the
        # system reports at the limit): reporting within it, plus one minute's slack, is not late.
        threshold = max(threshold, settings.OUTAGE_LIMIT_SECONDS + 60)
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
        incident_services.timeline_append_action(
            incident=incident,
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
    incident.related_incident = related
    incident.save(update_fields=["related_incident", "updated_at"])
    incident_services.timeline_append_action(
        incident=incident,
        user=SYSTEM_USER,
        action="recurrence_linked",
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


# --- firing ----------------------------------------------------------------------------------------------


def _fire_notify(timer: Timer, incident: Incident) -> str:
    payload = timer.payload
    context = {**payload.get("context", {}), "step": payload.get("step", 1), "label": timer.label}
    rows = notify(
        incident=incident,
        audience=payload.get("audience", []),
        event=payload.get("event") or timer.kind,
        context=context,
        timer=timer,
    )
    return f"notified {len(rows)}"


def _fire_outage_warning(timer: Timer, incident: Incident) -> str:
    payload = timer.payload
    rows = notify(
        incident=incident,
        audience=payload["audience"],
        event="outage_warning",
        context={
            "system": payload.get("system", ""),
            "minutes": payload["after_seconds"] // 60,
            "limit_minutes": payload["limit_seconds"] // 60,
        },
        timer=timer,
    )
    return f"warned {len(rows)}"


def _fire_outage_limit(timer: Timer, incident: Incident) -> str:
    """Art. 2: still down at the limit → the system reports to the Leadership Group through the same service
    a person uses, then tells the Leadership Group."""
    limit_minutes = timer.payload["limit_seconds"] // 60
    system = timer.payload.get("system") or incident.affected_system
    incident_services.incident_transition(
        incident_id=incident.pk,
        name="report",
        user=SYSTEM_USER,
        data={
            "situation": (
                f"系统中断（{system or incident.title}）已持续 {limit_minutes} 分钟仍未恢复，系统自动上报。"
            ),
            "impact": incident.impact or incident.description or "系统中断，客户无法正常接入。",
            "category": incident.category,
            "grade": incident.grade,
            "comment": OUTAGE_REPORT_REASON,
        },
    )
    incident = Incident.objects.select_related("lead_group").get(pk=incident.pk)  # protected FSM field
    rows = notify(
        incident=incident,
        audience=timer.payload.get("audience", ["leadership"]),
        event="outage_reported",
        context={"system": system, "limit_minutes": limit_minutes},
        timer=timer,
    )
    return f"reported; notified {len(rows)}"


def _fire_nothing(timer: Timer, incident: Incident) -> str:
    return "ended"


HANDLERS: dict[str, Callable[[Timer, Incident], str]] = {
    K.OUTAGE_WARNING: _fire_outage_warning,
    K.OUTAGE_LIMIT: _fire_outage_limit,
    K.POST_EVENT_WATCH: _fire_nothing,
    K.ACK_SILENT: lambda timer, incident: acks.fire_silent(timer=timer, incident=incident),
}


def timer_fire(*, timer_id: int, token: str | None = None, wait: bool = True) -> str:
    """Fire one due timer, at most once. Locks the incident, then the timer (the order every state change
    uses, so no deadlock), re-checks it is pending, due and still about the incident's state, acts and sets
    ``fired_at`` in the same transaction. ``wait=False`` (the sweep) skips an incident someone is changing."""
    head = (
        Timer.objects.filter(pk=timer_id)
        .values("incident_id", "token", "fired_at", "cancelled_at", "due_at")
        .first()
    )
    if head is None:
        return "missing"
    if token is not None and str(head["token"]) != token:
        return "superseded"
    if head["fired_at"] or head["cancelled_at"]:
        return "done"
    now = timezone.now()
    if head["due_at"] > now:
        return "not_due"
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update(of=("self",), skip_locked=not wait)
            .select_related("lead_group")
            .filter(pk=head["incident_id"])
            .first()
        )
        if incident is None:
            return "busy"
        timer = (
            Timer.objects.select_for_update(skip_locked=True)
            .filter(_pending(), pk=timer_id, due_at__lte=now)
            .first()
        )
        if timer is None:
            return "done"
        now = timezone.now()
        timer.attempts += 1
        states = KIND_STATES.get(timer.kind)
        if states is not None and incident.state not in states:
            timer.cancelled_at = now
            timer.outcome = f"state is {incident.state}"
            timer.save(update_fields=["cancelled_at", "outcome", "attempts"])
            return "obsolete"
        timer.fired_at = now
        timer.save(
            update_fields=["fired_at", "attempts"]
        )  # before acting: a transition cancels only unfired rows
        handler = HANDLERS.get(timer.kind, _fire_notify)
        try:
            with transaction.atomic():
                outcome = handler(timer, incident)
        except Exception as exc:  # the action failed: retry a few times, then leave it visible as failed
            logger.exception("timer %s (%s) failed", timer.pk, timer.kind)
            timer.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            if timer.attempts < FIRE_MAX_ATTEMPTS:
                timer.fired_at = None
                timer.due_at = now + timedelta(seconds=settings.ESCALATION_SWEEP_SECONDS * timer.attempts)
                timer.nudged_at = None
                outcome = "retry"
            else:
                outcome = "failed"
            timer.outcome = outcome
            timer.save(update_fields=["fired_at", "due_at", "nudged_at", "last_error", "outcome"])
            return outcome
        timer.outcome = outcome[:200]
        timer.save(update_fields=["outcome"])
        return "fired"


def timers_sweep(
    *, now: datetime | None = None, batch: int = 200, budget_seconds: float = 20.0
) -> dict[str, int]:
    """The engine: fire every due timer (skipping incidents being changed right now — the next sweep or the
    nudge gets them), nudge those due within the horizon, and requeue notifications whose message was lost."""
    started = timezone.now()
    counts: dict[str, int] = {}
    while True:
        now = timezone.now()
        due = list(
            Timer.objects.filter(_pending(), due_at__lte=now)
            .order_by("due_at")
            .values_list("id", flat=True)[:batch]
        )
        for timer_id in due:
            outcome = timer_fire(timer_id=timer_id, wait=False)
            counts[outcome] = counts.get(outcome, 0) + 1
        if len(due) < batch or (timezone.now() - started).total_seconds() > budget_seconds:
            break
    counts["nudged"] = timers_nudge_upcoming()
    counts["requeued"] = notifications_requeue()
    return counts


def timers_nudge_upcoming() -> int:
    """Send an ETA nudge for timers due within the horizon that have none yet (short ETAs only: Celery's
    ETA tasks live in worker memory and Redis redelivers long ones after ``visibility_timeout``)."""
    horizon = timezone.now() + timedelta(seconds=settings.ESCALATION_NUDGE_HORIZON_SECONDS)
    with transaction.atomic():
        rows = list(
            Timer.objects.select_for_update(skip_locked=True)
            .filter(_pending(), nudged_at__isnull=True, due_at__lte=horizon)
            .values_list("id", "token", "due_at")[:2000]
        )
        if rows:
            Timer.objects.filter(pk__in=[r[0] for r in rows]).update(nudged_at=timezone.now())
            _nudge_on_commit([(pk, str(token), due) for pk, token, due in rows])
    return len(rows)


def timers_forget_nudges() -> int:
    """A worker (re)started: ETA nudges held in a dead worker's memory are gone, so let the sweep re-nudge.
    A duplicate nudge is harmless — the fencing token and ``fired_at`` make it a no-op."""
    return Timer.objects.filter(_pending(), nudged_at__isnull=False).update(nudged_at=None)


# --- delivering notifications ----------------------------------------------------------------------------


def notification_deliver(*, notification_id: int, now: datetime | None = None) -> str:
    """Deliver one notification. The row is claimed with a conditional update (``pending``/``retry`` and due →
    ``sending``), so two tasks for the same row never both send; failures back off, then end as ``failed`` —
    visible in the admin and on the incident's timeline. Returns the outcome."""
    now = now or timezone.now()
    claimed = (
        Notification.objects.filter(
            pk=notification_id, status__in=[Notification.Status.PENDING, Notification.Status.RETRY]
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=Notification.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    )
    if not claimed:
        return "not_claimed"
    notification = Notification.objects.select_related("incident").get(pk=notification_id)
    mine = Notification.objects.filter(pk=notification_id, status=Notification.Status.SENDING, claimed_at=now)
    try:
        channels.send(notification)
    except Exception as exc:
        error = str(exc)[:2000]
        backoff = settings.NOTIFICATION_RETRY_BACKOFF
        if notification.attempts <= len(backoff):
            mine.update(
                status=Notification.Status.RETRY,
                last_error=error,
                next_attempt_at=now + timedelta(seconds=backoff[notification.attempts - 1]),
            )
            return "retry"
        mine.update(status=Notification.Status.FAILED, last_error=error, next_attempt_at=None)
        _record_failure(notification, error)
        return "failed"
    mine.update(status=Notification.Status.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None)
    return "sent"


def _record_failure(notification: Notification, error: str) -> None:
    if notification.incident_id is None:
        return
    recipient = notification.recipient_name or notification.address
    incident_services.incident_record_action(
        incident_id=notification.incident_id,
        user=SYSTEM_USER,
        action="notification_failed",
        comment=f"{notification.get_channel_display()} → {recipient}：{error}"[:500],
        payload={
            "notification": notification.pk,
            "channel": notification.channel,
            "event": notification.event,
            "attempts": notification.attempts,
            "error": error[:500],
        },
    )


def notifications_requeue() -> int:
    """Requeue deliveries whose task was lost (a Redis flush, a broker outage); mark as failed the ones a
    worker died while sending — the outcome is unknown and a resend could double-send: a person decides."""
    now = timezone.now()
    grace = timedelta(seconds=settings.NOTIFICATION_REQUEUE_GRACE_SECONDS)
    lost = list(
        Notification.objects.filter(
            status__in=[Notification.Status.PENDING, Notification.Status.RETRY],
            next_attempt_at__lte=now - grace,
        ).values_list("id", flat=True)[:1000]
    )
    if lost:
        _enqueue_deliveries(lost)
    lease = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
    for notification in Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_at__lt=now - lease
    ):
        updated = Notification.objects.filter(
            pk=notification.pk, status=Notification.Status.SENDING, claimed_at=notification.claimed_at
        ).update(
            status=Notification.Status.FAILED,
            last_error="发送中断（工作进程退出），结果未知，请人工确认后重发。",
        )
        if updated:
            _record_failure(notification, "worker lost while sending; outcome unknown")
    return len(lost)


def notification_resend(*, notification_id: int) -> bool:
    """From the admin: put a failed notification back in the queue (a person decided to resend)."""
    updated = Notification.objects.filter(pk=notification_id, status=Notification.Status.FAILED).update(
        status=Notification.Status.RETRY, next_attempt_at=timezone.now()
    )
    if updated:
        transaction.on_commit(lambda: _enqueue_deliveries([notification_id]), robust=True)
    return bool(updated)


def notification_mark_read(*, user: Any, notification_id: int) -> bool:
    return bool(
        Notification.objects.filter(
            pk=notification_id, recipient=user, channel=Notification.Channel.INBOX, read_at__isnull=True
        ).update(read_at=timezone.now())
    )


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
