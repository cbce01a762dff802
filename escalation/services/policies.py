"""Escalation policies, snapshotted onto the incident when a chain starts (the Grafana OnCall habit)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from ..defaults import DEFAULT_POLICIES
from ..models import Escalation, EscalationPolicy
from .timers import timer_schedule, timers_cancel


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
