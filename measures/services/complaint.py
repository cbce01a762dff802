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
    DecisionForm,
    DisputePlanDoneForm,
    DisputePlanForm,
    EscalationForm,
    LegalReferralForm,
    MediaReportForm,
    RemedyForm,
    ReputationAssessmentForm,
)
from ..models import ComplaintCase, DisputePlan
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
    are called at once (issue 12). Issue 13: the plan has an owner (the lead group's lead unless named) and
    a due time (``clocks.DISPUTE_PLAN_WITHIN`` unless given); its overdue clock starts now."""

    def started(plan: DisputePlan) -> None:
        changed = []
        if plan.owner_id is not None:
            plan.owner_role = ""
            changed.append("owner_role")
        if plan.due_at is None:
            plan.due_at = plan.recorded_at + clocks.DISPUTE_PLAN_WITHIN
            changed.append("due_at")
        if changed:
            plan.save(update_fields=changed)
        clocks.dispute_plan_follow(incident=plan.incident, plan=plan)

    plan = _record_model_form(
        incident_id=incident_id,
        user=user,
        data=data,
        form_class=DisputePlanForm,
        action="dispute_plan_proposed",
        then=started,
    )
    escalation_calls.call_dispute_plan(incident=plan.incident, plan=plan, user=user)
    return plan


def _plan_incident(plan_id: int) -> int:
    row = DisputePlan.objects.filter(pk=plan_id).values("incident_id").first()
    if row is None:
        raise IncidentNotFound(_("方案不存在。"))
    return int(row["incident_id"])


def dispute_plan_complete(*, plan_id: int, user: Any, data: dict[str, Any]) -> DisputePlan:
    """Issue 13: the approved plan is carried out — recorded with its evidence by its owner, the lead
    group's lead or the Leadership Group (others: 403 naming the owner); its clock stops."""
    with measure_action(_plan_incident(plan_id), user, states=COMPLAINT_STATES) as act:
        plan = DisputePlan.objects.select_for_update(of=("self",)).select_related("owner").get(pk=plan_id)
        refusal = policies.measure_refusal(act.incident, plan, user)
        if refusal:
            raise Forbidden(refusal)
        if plan.done_at is not None:
            raise Conflict(_("该方案已登记实施完成。"), current_state=act.incident.state)
        if plan.status != DisputePlan.Status.APPROVED:
            raise Conflict(
                _("方案须经领导小组批准后才能实施（当前：%(status)s）。")
                % {"status": plan.get_status_display()},
                current_state=act.incident.state,
            )
        cleaned = valid(DisputePlanDoneForm(data))
        plan.done_at = timezone.now()
        plan.done_by = user
        plan.evidence = cleaned["evidence"]
        plan.save(update_fields=["done_at", "done_by", "evidence"])
        clocks.dispute_plan_stop(incident=act.incident, plan=plan, reason="done")
        record(act, "dispute_plan_done", plan.evidence, record=plan.pk)
        return plan


def dispute_plan_decide(*, plan_id: int, user: Any, data: dict[str, Any]) -> DisputePlan:
    """Leader or deputy approve or reject; four-eyes: never the person who proposed it."""
    with measure_action(_plan_incident(plan_id), user, check=may_decide, states=COMPLAINT_STATES) as act:
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
        if not approved:  # a rejected plan is not carried out: nobody is chased for it
            clocks.dispute_plan_stop(incident=incident, plan=plan, reason="rejected")
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
