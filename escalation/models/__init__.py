"""Durable timers, escalation policies and their snapshots, notifications (DESIGN §5)."""

from .bank_day import BankDay
from .escalation import Escalation, EscalationPolicy
from .late_report import LateReport
from .notification import Notification, NotificationChannel
from .timer import Timer, TimerKind

__all__ = [
    "BankDay",
    "Escalation",
    "EscalationPolicy",
    "LateReport",
    "Notification",
    "NotificationChannel",
    "Timer",
    "TimerKind",
]
