"""The major-complaint (reputation) plan's measures (Art. 14-bis). Complaint work goes on after the
incident terminates, until the case is closed (``COMPLAINT_STATES``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, IncidentNotFound
from escalation import calls as escalation_calls
from escalation import services as escalation_services
from incidents import policies
from incidents.models import Incident

from .. import clocks
from ..forms import (
    ComplaintCaseForm,
    ComplaintClockForm,
    DecisionForm,
    DisputePlanForm,
    EscalationForm,
    ExtensionRequestForm,
    LegalReferralForm,
    MediaReportForm,
    RemedyForm,
    ReputationAssessmentForm,
)
from ..models import ComplaintCase, ComplaintClock, DisputePlan
from ._common import COMPLAINT_STATES, may_decide, measure_action, record, valid


def _record_model_form(
    *,
    incident_id: int,
    user: Any,
    data: dict[str, Any],
    form_class: type[forms.ModelForm],
    action: str,
    then: Callable[[Any], None] | None = None,
) -> Any:
    with measure_action(incident_id, user, states=COMPLAINT_STATES) as act:
        form = form_class(data)
        valid(form)
        obj = form.save(commit=False)
        obj.incident = act.incident
        obj.recorded_by = user
        obj.recorded_at = timezone.now()
        obj.save()
        payload = {name: form.cleaned_data[name] for name in form.cleaned_data}
        record(act, action, str(obj._meta.verbose_name), record=obj.pk, **payload)
        if then is not None:  # in the same transaction: the hand-off commits with the record
            then(obj)
        return obj


def handoff(incident: Incident, audience: list[str], event: str, **context: Any) -> None:
    """A hand-off is a notification that waits for the party's acknowledgement (issue 13): to the party's
    person and mailbox, on the incident page with its status, escalated when nobody answers."""
    escalation_services.notify(
        incident=incident, audience=audience, event=event, context=context, needs_ack=True
    )


def media_report_log(*, incident_id: int, user: Any, data: dict[str, Any]) -> Any:
    """Art. 14-bis (1)."""
    return _record_model_form(
        incident_id=incident_id, user=user, data=data, form_class=MediaReportForm, action="media_report"
    )


def reputation_assess(*, incident_id: int, user: Any, data: dict[str, Any]) -> Any:
    """Art. 14-bis (1)."""
    return _record_model_form(
        incident_id=incident_id,
        user=user,
        data=data,
        form_class=ReputationAssessmentForm,
        action="reputation_assessment",
    )


def dispute_plan_propose(*, incident_id: int, user: Any, data: dict[str, Any]) -> Any:
    """Art. 14-bis (2): proposed by the group; carried out only after the Leadership Group approves, who
    are called at once (issue 12)."""
    plan = _record_model_form(
        incident_id=incident_id,
        user=user,
        data=data,
        form_class=DisputePlanForm,
        action="dispute_plan_proposed",
    )
    escalation_calls.call_dispute_plan(incident=plan.incident, plan=plan, user=user)
    return plan


def dispute_plan_decide(*, plan_id: int, user: Any, data: dict[str, Any]) -> DisputePlan:
    """Leader or deputy approve or reject; four-eyes: never the person who proposed it."""
    row = DisputePlan.objects.filter(pk=plan_id).values("incident_id").first()
    if row is None:
        raise IncidentNotFound(_("方案不存在。"))
    with measure_action(row["incident_id"], user, check=may_decide, states=COMPLAINT_STATES) as act:
        incident = act.incident
        plan = DisputePlan.objects.select_for_update().get(pk=plan_id)
        if plan.recorded_by_id == getattr(user, "pk", None):
            raise Forbidden(_("四眼原则：方案提出人不能批准自己的方案。"))
        if plan.status != DisputePlan.Status.PROPOSED:
            raise Conflict(_("该方案已由他人审批。"), current_state=incident.state)
        cleaned = valid(DecisionForm(data))
        approved = cleaned["decision"] == "approve"
        plan.status = DisputePlan.Status.APPROVED if approved else DisputePlan.Status.REJECTED
        plan.decided_by = user
        plan.decided_at = timezone.now()
        plan.decision_comment = cleaned["comment"]
        plan.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
        record(
            act,
            "dispute_plan_approved" if approved else "dispute_plan_rejected",
            cleaned["comment"],
            record=plan.pk,
        )
        return plan


def legal_referral_record(*, incident_id: int, user: Any, data: dict[str, Any]) -> Any:
    """Art. 14-bis (4): the case goes to the legal department, who must acknowledge it."""
    return _record_model_form(
        incident_id=incident_id,
        user=user,
        data=data,
        form_class=LegalReferralForm,
        action="legal_referral",
        then=lambda referral: handoff(
            referral.incident,
            ["party:legal"],
            "legal_referral",
            summary=referral.case_summary,
            reference=referral.reference,
        ),
    )


def complaint_case_assign(*, incident_id: int, user: Any, data: dict[str, Any]) -> Any:
    """Art. 14-bis (5): register one complaint with a named handler, told at once; its clock starts."""
    return _record_model_form(
        incident_id=incident_id,
        user=user,
        data=data,
        form_class=ComplaintCaseForm,
        action="complaint_handler_assigned",
        then=_case_registered,
    )


def _case_registered(case: ComplaintCase) -> None:
    """Issue 13: each complaint's own clock starts at its registration; the handler is told at once."""
    clocks.complaint_case_follow(incident=case.incident, case=case)
    handoff(
        case.incident,
        [f"person:{case.handler_id}"],
        "complaint_handler_assigned",
        customer=case.customer,
        description=case.description,
        walk_in=case.is_walk_in,
    )


def complaint_case_escalate(*, case_id: int, user: Any, data: dict[str, Any]) -> ComplaintCase:
    """Art. 14-bis (5): escalate to head-office service management when necessary."""
    row = ComplaintCase.objects.filter(pk=case_id).values("incident_id").first()
    if row is None:
        raise IncidentNotFound(_("投诉不存在。"))
    with measure_action(row["incident_id"], user, states=COMPLAINT_STATES) as act:
        incident = act.incident
        case = ComplaintCase.objects.select_for_update().get(pk=case_id)
        if case.escalated_at:
            raise Conflict(_("该投诉已上报总行服务管理部门。"), current_state=incident.state)
        cleaned = valid(EscalationForm(data))
        case.escalated_at = timezone.now()
        case.escalation_reason = cleaned["escalation_reason"]
        case.save(update_fields=["escalated_at", "escalation_reason"])
        record(act, "complaint_escalated_hq", case.escalation_reason, record=case.pk)
        handoff(
            incident,
            ["party:hq_service_management"],
            "complaint_escalated_hq",
            customer=case.customer,
            description=case.description,
            reason=case.escalation_reason,
        )
        return case


def remedy_record(*, incident_id: int, user: Any, data: dict[str, Any]) -> Any:
    """Art. 14-bis (6)."""
    return _record_model_form(
        incident_id=incident_id, user=user, data=data, form_class=RemedyForm, action="remedy_recorded"
    )


def complaint_clock_start(*, incident_id: int, user: Any, data: dict[str, Any]) -> ComplaintClock:
    """The complaint clock runs from activation: 15 days, 30 for a complex complaint."""
    with measure_action(incident_id, user, states=COMPLAINT_STATES) as act:
        incident = act.incident
        cleaned = valid(ComplaintClockForm(data))
        if ComplaintClock.objects.filter(incident=incident).exists():
            raise Conflict(_("投诉办结时限已在计时。"), current_state=incident.state)
        clock = ComplaintClock.objects.create(
            incident=incident,
            started_at=incident.activated_at or timezone.now(),
            is_complex=cleaned["is_complex"],
        )
        clocks.complaint_clock_follow(incident=incident, clock=clock)
        record(
            act,
            "complaint_clock_started",
            _("投诉办结时限 %(days)d 日，截至 %(due)s。")
            % {"days": clock.limit_days, "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M")},
            limit_days=clock.limit_days,
            due_at=clock.due_at.isoformat(),
        )
        return clock


def _clock_action(incident_id: int, user: Any, check: Callable[[Incident, Any], bool]) -> Any:
    return measure_action(incident_id, user, check=check, states=COMPLAINT_STATES)


def _clock_of(incident: Incident) -> ComplaintClock:
    clock = ComplaintClock.objects.select_for_update().filter(incident=incident).first()
    if clock is None:
        raise Conflict(_("投诉办结时限尚未开始计时。"), current_state=incident.state)
    return clock


def complaint_clock_request_extension(*, incident_id: int, user: Any, data: dict[str, Any]) -> ComplaintClock:
    with _clock_action(incident_id, user, policies.may_act_on) as act:
        incident, clock = act.incident, _clock_of(act.incident)
        if clock.extension_status in (ComplaintClock.Extension.REQUESTED, ComplaintClock.Extension.APPROVED):
            raise Conflict(_("已申请过延期。"), current_state=incident.state)
        cleaned = valid(ExtensionRequestForm(data))
        clock.extension_days = cleaned["extension_days"]
        clock.extension_reason = cleaned["extension_reason"]
        clock.extension_status = ComplaintClock.Extension.REQUESTED
        clock.extension_requested_by = user
        clock.save()
        record(
            act,
            "complaint_extension_requested",
            clock.extension_reason,
            extension_days=clock.extension_days,
        )
        return clock


def complaint_clock_decide_extension(*, incident_id: int, user: Any, data: dict[str, Any]) -> ComplaintClock:
    """An extension needs the Leadership Group's approval; four-eyes: not by the one who asked."""
    with _clock_action(incident_id, user, may_decide) as act:
        incident, clock = act.incident, _clock_of(act.incident)
        if clock.extension_status != ComplaintClock.Extension.REQUESTED:
            raise Conflict(_("没有待审批的延期申请（可能已有他人处理）。"), current_state=incident.state)
        if clock.extension_requested_by_id == getattr(user, "pk", None):
            raise Forbidden(_("四眼原则：延期申请人不能批准自己的申请。"))
        cleaned = valid(DecisionForm(data))
        approved = cleaned["decision"] == "approve"
        clock.extension_status = (
            ComplaintClock.Extension.APPROVED if approved else ComplaintClock.Extension.REJECTED
        )
        clock.extension_decided_by = user
        clock.save()
        if approved:
            clocks.complaint_clock_follow(incident=incident, clock=clock)
        record(
            act,
            "complaint_extension_approved" if approved else "complaint_extension_rejected",
            cleaned["comment"],
            limit_days=clock.limit_days,
            due_at=clock.due_at.isoformat(),
        )
        return clock
