"""Words for the report's codes: the report content is language-neutral, the page speaks the reader's
language (Chinese source strings, English in ``reports/locale``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from incidents import presentation
from incidents.models import RegulatorDeadline, RegulatorDecision, State, TerminationApproval
from incidents.plans import ApprovalSlot, Category, Grade, Plan
from teams.models import Team
from teams.roles import ROLE_LABELS

from .models import CorrectiveAction, ResponsiblePerson

ACTION_LABELS = presentation.ACTION_LABELS  # one table for the whole product (incidents/presentation.py)

EARLY_WARNING_LABELS = {
    "in_advance": _("是：事件发生前已发出预警"),
    "not_in_advance": _("否：预警晚于事件开始"),
    "no_warning": _("否：未发出预警"),
}

MEASURE_LABELS = {
    "report": _("报告用时（发现→上报）"),
    "decide": _("决策用时（上报→决策）"),
    "activate": _("启动用时（发现→启动）"),
    "terminate": _("处置用时（启动→终止）"),
}

LABELS: dict[str, dict[Any, Any]] = {
    "category": dict(Category.choices),
    "plan": dict(Plan.choices),
    "grade": dict(Grade.choices),
    "state": dict(State.choices),
    "slot": dict(ApprovalSlot.choices),
    "decision": dict(TerminationApproval.Decision.choices),
    "regulator": dict(RegulatorDecision.choices),
    "regulator_outcome": dict(RegulatorDeadline.Outcome.choices),
    "regulator_channel": dict(RegulatorDeadline.Channel.choices),
    "group": dict(Team.Code.choices),
    "role": ROLE_LABELS,
    "action": ACTION_LABELS,
    "responsibility": dict(ResponsiblePerson.Responsibility.choices),
    "action_kind": dict(CorrectiveAction.Kind.choices),
    "action_status": dict(CorrectiveAction.Status.choices),
    "retest": dict(CorrectiveAction.Retest.choices),
    "early_warning": EARLY_WARNING_LABELS,
    "measure": MEASURE_LABELS,
}


def _notification_labels(kind: str) -> dict[Any, Any]:
    """The escalation app's channel and delivery-status names (the report's message list)."""
    try:
        from escalation.models import Notification  # type: ignore[attr-defined]
    except ImportError:
        return {}
    return dict(Notification.Channel.choices if kind == "channel" else Notification.Status.choices)


def _timer_labels() -> dict[Any, Any]:
    """The escalation app's clock names, when that app is installed."""
    try:
        from escalation.models import TimerKind  # type: ignore[attr-defined]
    except ImportError:
        return {}
    return dict(TimerKind.choices)


def label(kind: str, code: object) -> str:
    if code in (None, ""):
        return "—" if kind != "retest" else str(LABELS["retest"][""])
    if kind == "timer":
        labels = _timer_labels()
    elif kind in ("channel", "message_status"):
        labels = _notification_labels(kind)
    else:
        labels = LABELS.get(kind, {})
    return str(labels.get(code, code))
