"""Complaints one by one (issue 13): a mass complaint holds many complaints, each registered through
``complaint.complaint_case_assign`` with its own clock (``clocks.complaint_case_follow``: a reminder before
the due time, then the due time — escalation ``Timer`` rows fired by the one sweep). A complaint is closed
by its owner (the handler, the lead group's lead or the Leadership Group), which stops its clock; the
Leadership Group approves an extension; the incident closes while complaints are open only when the
Leadership Group has recorded why (the ``close`` guard ``require_closed_or_waived``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, IncidentNotFound
from incidents import policies
from incidents.models import Incident

from .. import clocks
from ..forms import CaseCloseForm, CaseExtensionForm, CloseWaiverForm
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
        if not policies.may_complete_checklist_item(act.incident, case, user):
            raise Forbidden(_("只有该投诉的处理人、牵头组组长或领导小组可以办结该投诉。"))
        cleaned = valid(CaseCloseForm(data))
        case.is_open = False
        case.closed_at = timezone.now()
        case.closed_by = user
        case.outcome = cleaned["outcome"]
        case.save(update_fields=["is_open", "closed_at", "closed_by", "outcome"])
        clocks.complaint_case_stop(incident=act.incident, case=case, reason="closed")
        record(act, "complaint_case_closed", case.outcome, record=case.pk)
        return case


def complaint_case_extend(*, case_id: int, user: Any, data: dict[str, Any]) -> ComplaintCase:
    """An extension of one complaint's clock, approved by the Leadership Group (leader or deputy)."""
    with measure_action(_incident_of(case_id), user, check=may_decide, states=COMPLAINT_STATES) as act:
        case = _locked_case(act, case_id)
        cleaned = valid(CaseExtensionForm(data))
        case.extension_days += cleaned["extension_days"]
        case.save(update_fields=["extension_days"])
        clocks.complaint_case_follow(incident=act.incident, case=case)
        record(
            act,
            "complaint_case_extended",
            cleaned["extension_reason"],
            record=case.pk,
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
