"""Timers, escalation and notifications (DESIGN §5) — the writes of this app, one module per concern.

Timers are rows written in the caller's transaction (the state change that starts them); the database is
the source of truth and Celery only the engine. A timer fires at most once: ``timer_fire`` locks the
incident, then the timer row with ``fired_at`` still empty, re-checks that the incident is still in a state
the timer is about, acts and sets ``fired_at`` — all in one transaction. The periodic sweep fires what is
due; a short ETA nudge (carrying the row's fencing token) only cuts latency and does nothing when the row
is already fired, cancelled or superseded. No timer depends on a message surviving in Redis.

- ``timers``: writing, cancelling and nudging timer rows, and which states each kind is about;
- ``notifications``: ``notify`` and the delivery of what it writes;
- ``policies``: escalation policies, snapshotted when a chain starts;
- ``clocks``: the clocks other apps start (outage, regulator, late report, post-event watch, recurrence);
- ``firing``: ``timer_fire`` and the sweep.

Callers import this package (``from escalation import services as escalation_services``); what they use is
re-exported here.
"""

from __future__ import annotations

from ..workdays import add_working_days
from .clocks import (
    late_report_record,
    outage_clock_cancel,
    outage_clock_start,
    post_event_watch_start,
    recurrence_link,
    regulator_clock_start,
)
from .firing import (
    HANDLERS,
    TimerHandler,
    register_system_timer,
    timer_fire,
    timer_handler,
    timers_fire_ids,
    timers_sweep,
)
from .measure_clocks import (
    MeasureKind,
    measure_clock_due,
    measure_clock_start,
    measure_clock_stop,
    measure_clocks_start,
    measure_kind_register,
)
from .notifications import (
    notification_deliver,
    notification_mark_read,
    notification_resend,
    notifications_requeue,
    notify,
)
from .policies import escalation_start, policies_seed_defaults, policy_snapshot
from .timers import (
    FIRE_MAX_ATTEMPTS,
    OUTAGE_KINDS,
    OUTAGE_REPORT_REASON,
    REGULATOR_DEADLINE_KINDS,
    record_clock_start,
    record_clock_stop,
    timer_schedule,
    timers_cancel,
    timers_cancel_out_of_state,
    timers_forget_nudges,
    timers_nudge_upcoming,
)

__all__ = [
    "MeasureKind",
    "measure_clock_due",
    "measure_clock_start",
    "measure_clock_stop",
    "measure_clocks_start",
    "measure_kind_register",
    "FIRE_MAX_ATTEMPTS",
    "HANDLERS",
    "OUTAGE_KINDS",
    "OUTAGE_REPORT_REASON",
    "REGULATOR_DEADLINE_KINDS",
    "add_working_days",
    "escalation_start",
    "late_report_record",
    "notification_deliver",
    "notification_mark_read",
    "notification_resend",
    "notifications_requeue",
    "notify",
    "outage_clock_cancel",
    "outage_clock_start",
    "policies_seed_defaults",
    "policy_snapshot",
    "register_system_timer",
    "post_event_watch_start",
    "recurrence_link",
    "regulator_clock_start",
    "TimerHandler",
    "record_clock_start",
    "record_clock_stop",
    "timer_fire",
    "timer_handler",
    "timer_schedule",
    "timers_cancel",
    "timers_cancel_out_of_state",
    "timers_forget_nudges",
    "timers_nudge_upcoming",
    "timers_fire_ids",
    "timers_sweep",
]
