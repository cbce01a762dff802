"""Monitoring and early warning (DESIGN §5, Art. 7): queues and their interval figures, monitored systems
and their status events, the early-warning rules and every warning they raised."""

from .figure import Formula, IntervalFigure, Queue
from .rule import EarlyWarning, EarlyWarningRule, RuleKind
from .system import MonitoredSystem, SystemEvent, SystemStatus

__all__ = [
    "EarlyWarning",
    "EarlyWarningRule",
    "Formula",
    "IntervalFigure",
    "MonitoredSystem",
    "Queue",
    "RuleKind",
    "SystemEvent",
    "SystemStatus",
]
