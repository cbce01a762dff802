"""Complaints one by one (issue 13): a mass complaint holds many complaints, each registered through
``complaint.complaint_case_assign`` with its own clock (``clocks.complaint_case_follow``: a reminder before
the due time, then the due time — escalation ``Timer`` rows fired by the one sweep). A complaint is closed
by its owner (the handler, the lead group's lead or the Leadership Group), which stops its clock; its owner
asks for an extension and the Leadership Group approves it (four-eyes); the incident closes while
complaints are open only when the Leadership Group has recorded why (the ``close`` guard
``require_closed_or_waived``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, IncidentNotFound
from incidents import policies
from incidents.models import Incident

from .. import clocks
from ..forms import CaseCloseForm, CloseWaiverForm, DecisionForm, ExtensionRequestForm
from ..models import ComplaintCase, ComplaintCloseWaiver
from ._common import COMPLAINT_STATES, may_decide, measure_action, record, valid


def _locked_case(act: Any, case_id: int) -> ComplaintCase:
    case = ComplaintCase.objects.select_for_update().get(pk=case_id)
    if not case.is_open:
        raise Conflict(_("该投诉已办结。"), current_state=act.incident.state)
    return case


def _incident_of(case_id: int) -> int:
    row = ComplaintCase.objects.filter(pk=case_id).values("incident_id").first()
    if row is None:
        raise IncidentNotFound(_("投诉不存在。"))
    return int(row["incident_id"])


def complaint_case_close(*, case_id: int, user: Any, data: dict[str, Any]) -> ComplaintCase:
    """Close one complaint: only its owner — the handler, the lead group's lead, the Leadership Group."""
    with measure_action(_incident_of(case_id), user, states=COMPLAINT_STATES) as act:
        case = _locked_case(act, case_id)
        refusal = policies.measure_refusal(act.incident, case, user)
        if refusal:
            raise Forbidden(refusal)
        cleaned = valid(CaseCloseForm(data))
        case.is_open = False
        case.closed_at = timezone.now()
        case.closed_by = user
        case.outcome = cleaned["outcome"]
        case.save(update_fields=["is_open", "closed_at", "closed_by", "outcome"])
        clocks.complaint_case_stop(incident=act.incident, case=case, reason="closed")
        record(act, "complaint_case_closed", case.outcome, record=case.pk)
        return case


def complaint_case_extension_request(*, case_id: int, user: Any, data: dict[str, Any]) -> ComplaintCase:
    """The complaint's owner (its handler, the lead group's lead or the Leadership Group) asks for more
    days; the Leadership Group decides (``complaint_case_extension_decide``). One request at a time."""
    with measure_action(_incident_of(case_id), user, states=COMPLAINT_STATES) as act:
        case = _locked_case(act, case_id)
        refusal = policies.measure_refusal(act.incident, case, user)
        if refusal:
            raise Forbidden(refusal)
        if case.extension_pending:
            raise Conflict(_("该投诉已有待审批的延期申请。"), current_state=act.incident.state)
        cleaned = valid(ExtensionRequestForm(data))
        case.extension_requested_days = cleaned["extension_days"]
        case.extension_request_reason = cleaned["extension_reason"]
        case.extension_requested_by = user
        case.extension_requested_at = timezone.now()
        case.save(
            update_fields=[
                "extension_requested_days",
                "extension_request_reason",
                "extension_requested_by",
                "extension_requested_at",
            ]
        )
        record(
            act,
            "complaint_extension_requested",
            case.extension_request_reason,
            record=case.pk,
            extension_days=case.extension_requested_days,
        )
        return case


def complaint_case_extension_decide(*, case_id: int, user: Any, data: dict[str, Any]) -> ComplaintCase:
    """The leader or deputy approve or refuse the pending request — never the one who asked (four-eyes);
    approved, the complaint's clock moves (its reminder and overdue steps are rewritten)."""
    with measure_action(_incident_of(case_id), user, check=may_decide, states=COMPLAINT_STATES) as act:
        case = _locked_case(act, case_id)
        if not case.extension_pending:
            raise Conflict(_("没有待审批的延期申请（可能已有他人处理）。"), current_state=act.incident.state)
        if case.extension_requested_by_id == getattr(user, "pk", None):
            raise Forbidden(_("四眼原则：延期申请人不能批准自己的申请。"))
        cleaned = valid(DecisionForm(data))
        approved = cleaned["decision"] == "approve"
        days = case.extension_requested_days
        if approved:
            case.extension_days += days
        case.extension_requested_days = 0
        case.extension_request_reason = ""
        case.extension_requested_by = None
        case.extension_requested_at = None
        case.save(
            update_fields=[
                "extension_days",
                "extension_requested_days",
                "extension_request_reason",
                "extension_requested_by",
                "extension_requested_at",
            ]
        )
        if approved:
            clocks.complaint_case_follow(incident=act.incident, case=case)
        record(
            act,
            "complaint_extension_approved" if approved else "complaint_extension_rejected",
            cleaned["comment"],
            record=case.pk,
            extension_days=days,
            limit_days=case.limit_days,
            due_at=case.due_at.isoformat(),
        )
        return case


def complaint_close_waive(*, incident_id: int, user: Any, data: dict[str, Any]) -> ComplaintCloseWaiver:
    """The Leadership Group records why the incident may close while complaints are still open."""
    with measure_action(incident_id, user, check=may_decide, states=COMPLAINT_STATES) as act:
        cleaned = valid(CloseWaiverForm(data))
        waiver = ComplaintCloseWaiver.objects.create(
            incident=act.incident, recorded_by=user, recorded_at=timezone.now(), reason=cleaned["reason"]
        )
        open_cases = ComplaintCase.objects.filter(incident=act.incident, is_open=True).count()
        record(act, "complaint_close_waived", waiver.reason, record=waiver.pk, open_cases=open_cases)
        return waiver


def require_closed_or_waived(incident: Incident) -> None:
    """The ``close`` guard: no open complaint, or the Leadership Group's recorded reason."""
    open_cases = ComplaintCase.objects.filter(incident=incident, is_open=True).count()
    if open_cases and not ComplaintCloseWaiver.objects.filter(incident=incident).exists():
        raise Conflict(
            _("还有 %(count)d 笔投诉未办结：请先办结，或由领导小组登记带未办结投诉结案的理由。")
            % {"count": open_cases},
            current_state=incident.state,
        )
