"""Timers, escalation and notifications (DESIGN §5). The functions below are the contract other apps call;
the escalation issue implements them (until then they do nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any


def outage_clock_start(*, incident: Any, outage_started_at: datetime) -> None:
    """Art. 2: start the 60-minute outage clock for a system-outage incident in `monitoring`.
    Called inside the caller's transaction; the timer rows commit with it."""


def outage_clock_cancel(*, incident: Any, recovered_at: datetime) -> None:
    """The system came back before the limit: cancel the clock (the incident then offers `dismiss`)."""


def notify(
    *, incident: Any | None, audience: Sequence[str], event: str, context: dict[str, Any] | None = None
) -> None:
    """Queue notifications (rows, delivered on commit). ``audience`` items: ``group:<team_code>``,
    ``group_lead:<team_code>``, ``leadership_deciders``, ``leadership``, ``party:<kind>``, ``user:<id>``.
    ``event`` names a message template (texts live apart from logic)."""
