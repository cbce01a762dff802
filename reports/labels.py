"""Words for the report's codes: the report content is language-neutral, the page speaks the reader's
language (Chinese source strings, English in ``reports/locale``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from incidents.models import RegulatorDecision, State, TerminationApproval
from incidents.plans import ApprovalSlot, Category, Grade, Plan
from teams.models import Team
from teams.roles import ROLE_LABELS

from .models import CorrectiveAction, ResponsiblePerson

ACTION_LABELS = {
    "declare": _("登记（监测预警）"),
    "early_warning": _("预警提示"),
    "report": _("上报领导小组（申请启动）"),
    "dismiss": _("解除预警"),
    "reopen": _("重新监测"),
    "activate": _("启动预案"),
    "decline": _("不予启动"),
    "execute": _("开始实施"),
    "request_termination": _("申请终止"),
    "approve_termination": _("批准终止"),
    "reject_termination": _("驳回终止"),
    "investigate": _("启动调查"),
    "close": _("结案"),
    "progress_update": _("最新进展"),
    "checklist_done": _("预案措施完成"),
    "attachment_added": _("添加附件"),
    "regulator_decision": _("向监管部门报告的决定"),
    "investigation_updated": _("更新调查报告"),
    "responsible_person_added": _("认定责任人"),
    "corrective_action_added": _("新增整改措施"),
    "corrective_action_updated": _("更新整改措施"),
    "drill_recorded": _("记录演练"),
}

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
    labels = _timer_labels() if kind == "timer" else LABELS.get(kind, {})
    return str(labels.get(code, code))
