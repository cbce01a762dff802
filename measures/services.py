"""Every write of a plan measure (DESIGN §4): atomic, under the incident's row lock, permission checked,
validated by the measure's form, and recorded as one entry on the incident's timeline (through
``incidents.services.timeline_append``, which needs that lock to keep the hash chain linear)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalation import calls as escalation_calls
from incidents import policies
from incidents import services as incident_services
from incidents.errors import Conflict, Forbidden, IncidentNotFound, Invalid
from incidents.models import Incident, State
from teams import selectors as team_selectors
from teams.models import Person

from .forms import (
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
    RollCallMarkForm,
    RollCallStartForm,
    RosterForm,
)
from .models import (
    ComplaintCase,
    ComplaintClock,
    DisputePlan,
    RollCall,
    RollCallEntry,
    RosterAssignment,
    RotationRoster,
)

# Measures are taken while the plan runs: from activation until the termination is approved.
MEASURE_STATES = (State.ACTIVATED, State.EXECUTING, State.TERMINATION_REQUESTED)


def _lock(
    incident_id: int, user: Any, check: Callable[[Incident, Any], bool] = policies.may_act_on
) -> Incident:
    try:
        incident = (
            Incident.objects.select_for_update(of=("self",)).select_related("lead_group").get(pk=incident_id)
        )
    except Incident.DoesNotExist as exc:
        raise IncidentNotFound(_("事件不存在。")) from exc
    actor = team_selectors.actor_for(user)
    if actor.is_read_only:
        raise Forbidden(_("审计人员只读，不能进行任何操作。"))
    if not check(incident, user):
        raise Forbidden(_("您的角色不能执行此操作。"))
    if incident.state not in MEASURE_STATES:
        raise Conflict(
            _("当前状态为“%(state)s”，预案措施只能在启动后、终止前登记。")
            % {"state": incident.get_state_display()},
            current_state=incident.state,
        )
    return incident


def _valid(form: forms.BaseForm) -> dict[str, Any]:
    if not form.is_valid():
        raise Invalid(_("请更正标出的字段。"), detail=form.errors.get_json_data())
    return form.cleaned_data


def _record(incident: Incident, user: Any, action: str, comment: str = "", **payload: Any) -> None:
    incident_services.timeline_append_action(
        incident=incident, user=user, action=action, comment=comment, payload=payload
    )


def _may_decide(incident: Incident, user: Any) -> bool:
    return team_selectors.actor_for(user).is_leadership_decider


# --- sudden-event plan (Art. 14) ---------------------------------------------------------------------


def roster_split(people: list[Person]) -> dict[int, str]:
    """Split everyone into A and B, balanced by line first (Art. 14: second line moves to the front) and
    then by main skill: within each line, people of the same skill alternate between the groups, and each
    line starts with the group that is smaller so far, so the totals never differ by more than one."""
    groups: dict[int, str] = {}
    totals = {"A": 0, "B": 0}
    by_line: dict[str, list[Person]] = {}
    for person in people:
        by_line.setdefault(person.line, []).append(person)
    for line in sorted(by_line):
        members = sorted(by_line[line], key=lambda p: ((p.skills or "~").split(",")[0].strip(), p.name, p.pk))
        first = "A" if totals["A"] <= totals["B"] else "B"
        second = "B" if first == "A" else "A"
        for index, person in enumerate(members):
            group = first if index % 2 == 0 else second
            groups[person.pk] = group
            totals[group] += 1
    return groups


@transaction.atomic
def roster_generate(*, incident_id: int, user: Any, data: dict[str, Any]) -> RotationRoster:
    """Art. 14 (1): generate the A/B rotation for all staff; a new roster supersedes the previous one."""
    incident = _lock(incident_id, user)
    cleaned = _valid(RosterForm(data))
    people = list(team_selectors.all_staff())
    if not people:
        raise Invalid(_("应急组织中没有在岗人员。"), detail={"__all__": [{"message": _("没有人员。")}]})
    roster = RotationRoster.objects.create(
        incident=incident,
        starts_on=cleaned["starts_on"],
        period_days=cleaned["period_days"],
        created_by=user,
        created_at=timezone.now(),
    )
    split = roster_split(people)
    RosterAssignment.objects.bulk_create(
        RosterAssignment(roster=roster, person=p, group=split[p.pk], line=p.line, skills=p.skills)
        for p in people
    )
    counts = {g: sum(1 for v in split.values() if v == g) for g in ("A", "B")}
    _record(
        incident,
        user,
        "roster_generated",
        _("生成A/B轮换排班：A组 %(a)d 人，B组 %(b)d 人，每 %(days)d 天轮换。")
        % {"a": counts["A"], "b": counts["B"], "days": roster.period_days},
        roster=roster.pk,
        starts_on=roster.starts_on.isoformat(),
        period_days=roster.period_days,
        counts=counts,
    )
    return roster


@transaction.atomic
def roll_call_start(*, incident_id: int, user: Any, data: dict[str, Any]) -> RollCall:
    """Art. 14 (3): start the evacuation roll call over all staff."""
    incident = _lock(incident_id, user)
    cleaned = _valid(RollCallStartForm(data))
    if RollCall.objects.filter(incident=incident, closed_at__isnull=True).exists():
        raise Conflict(_("已有进行中的点名。"), current_state=incident.state)
    roll_call = RollCall.objects.create(
        incident=incident,
        assembly_point=cleaned["assembly_point"],
        started_by=user,
        started_at=timezone.now(),
    )
    people = list(team_selectors.all_staff())
    RollCallEntry.objects.bulk_create(RollCallEntry(roll_call=roll_call, person=p) for p in people)
    _record(
        incident,
        user,
        "roll_call_started",
        _("撤离点名开始，集合地点：%(point)s，应到 %(n)d 人。")
        % {"point": roll_call.assembly_point, "n": len(people)},
        roll_call=roll_call.pk,
        expected=len(people),
    )
    return roll_call


@transaction.atomic
def roll_call_mark(*, entry_id: int, user: Any, data: dict[str, Any]) -> RollCallEntry:
    row = RollCallEntry.objects.filter(pk=entry_id).values("roll_call__incident_id").first()
    if row is None:
        raise IncidentNotFound(_("点名记录不存在。"))
    incident = _lock(row["roll_call__incident_id"], user)
    entry = RollCallEntry.objects.select_for_update().select_related("roll_call", "person").get(pk=entry_id)
    if not entry.roll_call.is_open:
        raise Conflict(_("本次点名已结束。"), current_state=incident.state)
    cleaned = _valid(RollCallMarkForm(data))
    entry.status = cleaned["status"]
    entry.marked_by = user
    entry.marked_at = timezone.now()
    entry.save(update_fields=["status", "marked_by", "marked_at"])
    _record(
        incident,
        user,
        "roll_call_marked",
        f"{entry.person.name}：{entry.get_status_display()}",
        roll_call=entry.roll_call_id,
        person={"id": entry.person_id, "name": entry.person.name},
        status=entry.status,
    )
    return entry


@transaction.atomic
def roll_call_close(*, roll_call_id: int, user: Any) -> RollCall:
    row = RollCall.objects.filter(pk=roll_call_id).values("incident_id").first()
    if row is None:
        raise IncidentNotFound(_("点名不存在。"))
    incident = _lock(row["incident_id"], user)
    roll_call = RollCall.objects.select_for_update().get(pk=roll_call_id)
    if not roll_call.is_open:
        raise Conflict(_("本次点名已结束。"), current_state=incident.state)
    statuses = list(roll_call.entries.values_list("status", flat=True))
    unknown = statuses.count(RollCallEntry.Status.UNKNOWN)
    if unknown:
        raise Invalid(
            _("还有 %(n)d 人未确认，不能结束点名。") % {"n": unknown},
            detail={"__all__": [{"message": _("还有人未确认。"), "code": "unknown"}]},
        )
    roll_call.closed_at = timezone.now()
    roll_call.save(update_fields=["closed_at"])
    counts = {status: statuses.count(status) for status in RollCallEntry.Status.values if status}
    _record(
        incident,
        user,
        "roll_call_closed",
        _("撤离点名结束：已到 %(safe)d，不在岗 %(absent)d，失联 %(missing)d。")
        % {
            "safe": counts[RollCallEntry.Status.SAFE],
            "absent": counts[RollCallEntry.Status.ABSENT],
            "missing": counts[RollCallEntry.Status.MISSING],
        },
        roll_call=roll_call.pk,
        counts=counts,
    )
    return roll_call


# --- major-complaint plan (Art. 14-bis) -------------------------------------------------------------


def _record_model_form(
    *, incident_id: int, user: Any, data: dict[str, Any], form_class: type[forms.ModelForm], action: str
) -> Any:
    incident = _lock(incident_id, user)
    form = form_class(data)
    _valid(form)
    obj = form.save(commit=False)
    obj.incident = incident
    obj.recorded_by = user
    obj.recorded_at = timezone.now()
    obj.save()
    payload = {name: form.cleaned_data[name] for name in form.cleaned_data}
    _record(incident, user, action, str(obj._meta.verbose_name), record=obj.pk, **payload)
    return obj


@transaction.atomic
def media_report_log(*, incident_id: int, user: Any, data: dict[str, Any]) -> Any:
    """Art. 14-bis (1)."""
    return _record_model_form(
        incident_id=incident_id, user=user, data=data, form_class=MediaReportForm, action="media_report"
    )


@transaction.atomic
def reputation_assess(*, incident_id: int, user: Any, data: dict[str, Any]) -> Any:
    """Art. 14-bis (1)."""
    return _record_model_form(
        incident_id=incident_id,
        user=user,
        data=data,
        form_class=ReputationAssessmentForm,
        action="reputation_assessment",
    )


@transaction.atomic
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


@transaction.atomic
def dispute_plan_decide(*, plan_id: int, user: Any, data: dict[str, Any]) -> DisputePlan:
    """Leader or deputy approve or reject; four-eyes: never the person who proposed it."""
    row = DisputePlan.objects.filter(pk=plan_id).values("incident_id").first()
    if row is None:
        raise IncidentNotFound(_("方案不存在。"))
    incident = _lock(row["incident_id"], user, check=_may_decide)
    plan = DisputePlan.objects.select_for_update().get(pk=plan_id)
    if plan.recorded_by_id == getattr(user, "pk", None):
        raise Forbidden(_("四眼原则：方案提出人不能批准自己的方案。"))
    if plan.status != DisputePlan.Status.PROPOSED:
        raise Conflict(_("该方案已由他人审批。"), current_state=incident.state)
    cleaned = _valid(DecisionForm(data))
    approved = cleaned["decision"] == "approve"
    plan.status = DisputePlan.Status.APPROVED if approved else DisputePlan.Status.REJECTED
    plan.decided_by = user
    plan.decided_at = timezone.now()
    plan.decision_comment = cleaned["comment"]
    plan.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    _record(
        incident,
        user,
        "dispute_plan_approved" if approved else "dispute_plan_rejected",
        cleaned["comment"],
        record=plan.pk,
    )
    return plan


@transaction.atomic
def legal_referral_record(*, incident_id: int, user: Any, data: dict[str, Any]) -> Any:
    """Art. 14-bis (4)."""
    return _record_model_form(
        incident_id=incident_id, user=user, data=data, form_class=LegalReferralForm, action="legal_referral"
    )


@transaction.atomic
def complaint_case_assign(*, incident_id: int, user: Any, data: dict[str, Any]) -> Any:
    """Art. 14-bis (5): a named handler for a major or walk-in complaint."""
    return _record_model_form(
        incident_id=incident_id,
        user=user,
        data=data,
        form_class=ComplaintCaseForm,
        action="complaint_handler_assigned",
    )


@transaction.atomic
def complaint_case_escalate(*, case_id: int, user: Any, data: dict[str, Any]) -> ComplaintCase:
    """Art. 14-bis (5): escalate to head-office service management when necessary."""
    row = ComplaintCase.objects.filter(pk=case_id).values("incident_id").first()
    if row is None:
        raise IncidentNotFound(_("投诉不存在。"))
    incident = _lock(row["incident_id"], user)
    case = ComplaintCase.objects.select_for_update().get(pk=case_id)
    if case.escalated_at:
        raise Conflict(_("该投诉已上报总行服务管理部门。"), current_state=incident.state)
    cleaned = _valid(EscalationForm(data))
    case.escalated_at = timezone.now()
    case.escalation_reason = cleaned["escalation_reason"]
    case.save(update_fields=["escalated_at", "escalation_reason"])
    _record(incident, user, "complaint_escalated_hq", case.escalation_reason, record=case.pk)
    return case


@transaction.atomic
def remedy_record(*, incident_id: int, user: Any, data: dict[str, Any]) -> Any:
    """Art. 14-bis (6)."""
    return _record_model_form(
        incident_id=incident_id, user=user, data=data, form_class=RemedyForm, action="remedy_recorded"
    )


@transaction.atomic
def complaint_clock_start(*, incident_id: int, user: Any, data: dict[str, Any]) -> ComplaintClock:
    """The complaint clock runs from activation: 15 days, 30 for a complex complaint."""
    incident = _lock(incident_id, user)
    cleaned = _valid(ComplaintClockForm(data))
    if ComplaintClock.objects.filter(incident=incident).exists():
        raise Conflict(_("投诉办结时限已在计时。"), current_state=incident.state)
    clock = ComplaintClock.objects.create(
        incident=incident,
        started_at=incident.activated_at or timezone.now(),
        is_complex=cleaned["is_complex"],
    )
    _record(
        incident,
        user,
        "complaint_clock_started",
        _("投诉办结时限 %(days)d 日，截至 %(due)s。")
        % {"days": clock.limit_days, "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M")},
        limit_days=clock.limit_days,
        due_at=clock.due_at.isoformat(),
    )
    return clock


def _lock_clock(incident_id: int, user: Any, check: Callable[[Incident, Any], bool]) -> tuple:
    incident = _lock(incident_id, user, check=check)
    clock = ComplaintClock.objects.select_for_update().filter(incident=incident).first()
    if clock is None:
        raise Conflict(_("投诉办结时限尚未开始计时。"), current_state=incident.state)
    return incident, clock


@transaction.atomic
def complaint_clock_request_extension(*, incident_id: int, user: Any, data: dict[str, Any]) -> ComplaintClock:
    incident, clock = _lock_clock(incident_id, user, policies.may_act_on)
    if clock.extension_status in (ComplaintClock.Extension.REQUESTED, ComplaintClock.Extension.APPROVED):
        raise Conflict(_("已申请过延期。"), current_state=incident.state)
    cleaned = _valid(ExtensionRequestForm(data))
    clock.extension_days = cleaned["extension_days"]
    clock.extension_reason = cleaned["extension_reason"]
    clock.extension_status = ComplaintClock.Extension.REQUESTED
    clock.extension_requested_by = user
    clock.save()
    _record(
        incident,
        user,
        "complaint_extension_requested",
        clock.extension_reason,
        extension_days=clock.extension_days,
    )
    return clock


@transaction.atomic
def complaint_clock_decide_extension(*, incident_id: int, user: Any, data: dict[str, Any]) -> ComplaintClock:
    """An extension needs the Leadership Group's approval; four-eyes: not by the one who asked."""
    incident, clock = _lock_clock(incident_id, user, _may_decide)
    if clock.extension_status != ComplaintClock.Extension.REQUESTED:
        raise Conflict(_("没有待审批的延期申请（可能已有他人处理）。"), current_state=incident.state)
    if clock.extension_requested_by_id == getattr(user, "pk", None):
        raise Forbidden(_("四眼原则：延期申请人不能批准自己的申请。"))
    cleaned = _valid(DecisionForm(data))
    approved = cleaned["decision"] == "approve"
    clock.extension_status = (
        ComplaintClock.Extension.APPROVED if approved else ComplaintClock.Extension.REJECTED
    )
    clock.extension_decided_by = user
    clock.save()
    _record(
        incident,
        user,
        "complaint_extension_approved" if approved else "complaint_extension_rejected",
        cleaned["comment"],
        limit_days=clock.limit_days,
        due_at=clock.due_at.isoformat(),
    )
    return clock
