"""Declaring an incident and moving it through its states (STYLE.md §2).

A transition: ``incident_action`` (atomic → lock the row → refuse: wrong state 409, not allowed 403) →
validate the fields with the transition's form (400) → ask the transition's guards → run the django-fsm
transition → ``save()`` → append one timeline entry → publish ``IncidentTransitioned``, whose handlers
(escalation's clocks, reports' filing) write in the same transaction and defer I/O to ``on_commit``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from core import errors as refusals
from core.errors import Conflict, Forbidden, Invalid, SecondFactorRequired, UnknownTransition
from security import second_factor
from teams import selectors as team_selectors
from teams.models import Team

from .. import events, policies, selectors
from ..forms import TRANSITION_FORMS, DeclareForm
from ..models import Incident, TerminationApproval
from ..plans import default_plan_for, lead_group_for
from .acting import _holding, _timeline_append, incident_action
from .checklists import checklist_instantiate


@transaction.atomic
def incident_declare(
    *,
    user: Any,
    data: dict[str, Any],
    source: str = "manual",
    source_key: str = "",
    started_at: datetime | None = None,
    evidence: dict[str, Any] | None = None,
) -> Incident:
    """Open an incident in 监测预警 (Art. 7) — by a person or by an early-warning rule (``SYSTEM_USER``)."""
    if not policies.may_declare(user) and user is not policies.SYSTEM_USER:
        raise Forbidden(_("只有领导小组和工作小组成员可以登记事件。"))
    form = DeclareForm(data)
    if not form.is_valid():
        raise Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())
    cleaned = form.cleaned_data
    plan = default_plan_for(cleaned["category"]) or ""
    incident = Incident(
        title=cleaned["title"],
        category=cleaned["category"],
        kind=cleaned["kind"],
        description=cleaned["description"],
        detected_at=cleaned["detected_at"],
        started_at=started_at or cleaned["started_at"] or cleaned["detected_at"],
        grade=cleaned["grade"],
        is_drill=cleaned["is_drill"],
        affected_system=cleaned["affected_system"],
        plan=plan,
        lead_group=Team.objects.filter(code=lead_group_for(plan)).first() if plan else None,
        source=source,
        source_key=source_key,
        declared_by=user if getattr(user, "pk", None) else None,
    )
    incident.save()  # the new row is this transaction's alone until it commits: it is held from here
    with _holding(incident):
        _timeline_append(
            incident=incident,
            user=user,
            action="declare",
            to_state=incident.state,
            comment=cleaned["description"],
            payload={
                **{k: v for k, v in cleaned.items() if k != "description"},
                "source": source,
                **(evidence or {}),
            },
        )
        events.publish(events.IncidentDeclared(incident=incident, actor=user))
    return incident


def _forbidden_reason(incident: Incident, name: str, user: Any) -> str:
    return policies.four_eyes_refusal(incident, name, user) or refusals.not_allowed_message()


def _can_run(name: str, user: Any) -> Any:
    def in_state(incident: Incident) -> bool:
        if not can_proceed(getattr(incident, name), check_conditions=False):
            return False
        if name == "approve_termination":
            _refuse_repeat_approval(incident, user)
        return True

    return in_state


def incident_transition(*, incident_id: int, name: str, user: Any, data: dict[str, Any]) -> Incident:
    if name not in TRANSITION_FORMS:
        raise UnknownTransition(_("没有名为“%(name)s”的操作。") % {"name": name})
    with incident_action(
        incident_id,
        user=user,
        states=_can_run(name, user),
        may=lambda incident, who: has_transition_perm(getattr(incident, name), who),
        not_allowed_message=lambda incident: _forbidden_reason(incident, name, user),
    ) as act:
        incident = act.incident
        from_state = incident.state
        if refusal := second_factor.refusal(user=user, action=name):
            raise SecondFactorRequired(refusal)
        form = TRANSITION_FORMS[name](data, incident=incident)
        if not form.is_valid():
            raise Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())
        cleaned = dict(form.cleaned_data)
        comment = cleaned.pop("comment", "") or cleaned.get("reason", "")
        now = timezone.now()
        payload = dict(cleaned)
        events.check_guards(name=name, incident=incident)
        _run(incident, name, user, cleaned, comment, payload, now)
        incident.save()
        act.record_transition(name, from_state=from_state, comment=comment, payload=payload, at=now)
        if name == "activate":
            checklist_instantiate(incident=incident, at=now)
        events.publish(
            events.IncidentTransitioned(
                incident_id=incident.pk,
                name=name,
                from_state=from_state,
                to_state=incident.state,
                actor=user,
                incident=incident,
            )
        )
        return incident


def _run(
    incident: Incident,
    name: str,
    user: Any,
    cleaned: dict[str, Any],
    comment: str,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    """Run the django-fsm transition with what its form validated."""
    method = getattr(incident, name)
    if name == "report":
        method(
            by=user if getattr(user, "pk", None) else None,
            at=now,
            situation=cleaned["situation"],
            category=cleaned["category"],
            grade=cleaned["grade"],
            impact=cleaned["impact"],
        )
    elif name in ("dismiss", "reopen", "decline", "investigate", "close", "reject_termination"):
        if name == "reject_termination":
            payload["slot"] = _record_decision(
                incident, user, TerminationApproval.Decision.REJECT, comment, now
            ).slot
        method(at=now)
        if name == "investigate":
            incident.investigators.set(cleaned["investigators"])
    elif name == "activate":
        method(
            at=now,
            damage_degree=cleaned["damage_degree"],
            damage_scale=cleaned["damage_scale"],
            grade=cleaned["grade"],
            plan=cleaned["plan"],
            lead_group=cleaned["lead_group"],
            grade_evidence=cleaned["grade_evidence"],
        )
    elif name == "execute":
        method(at=now, on_scene_commander=cleaned["on_scene_commander"])
    elif name == "request_termination":
        method(
            by=user,
            at=now,
            resolution_summary=cleaned["resolution_summary"],
            termination_deadline=cleaned["termination_deadline"],
        )
    elif name == "approve_termination":
        approval = _record_decision(incident, user, TerminationApproval.Decision.APPROVE, comment, now)
        approved = {a.slot for a in selectors.termination_approvals_in_round(incident=incident)}
        method(at=now, approved_slots=approved)
        payload.update(
            slot=approval.slot,
            approved=sorted(approved),
            missing=sorted(set(incident.required_approval_slots) - approved),
        )


def _refuse_repeat_approval(incident: Incident, user: Any) -> None:
    """Someone else already gave the approval this user could give, or they gave it themselves: a conflict."""
    if not policies.approval_slots_held(incident, user) or policies.open_slots_for(incident, user):
        return
    if policies.is_same_user(user, incident.termination_requested_by_id):
        return  # the four-eyes refusal (403) explains this better
    raise Conflict(_("您能给出的审批已经完成（可能已有他人批准）。"), current_state=incident.state)


def _record_decision(
    incident: Incident, user: Any, decision: str, comment: str, at: datetime
) -> TerminationApproval:
    slots = (
        policies.open_slots_for(incident, user)
        if decision == TerminationApproval.Decision.APPROVE
        else policies.approval_slots_held(incident, user)
    )
    actor = team_selectors.actor_for(user)
    try:
        with transaction.atomic():
            return TerminationApproval.objects.create(
                incident=incident,
                round=incident.termination_round,
                slot=slots[0],
                decision=decision,
                approver=user,
                approver_name=actor.display_name,
                comment=comment,
                at=at,
            )
    except IntegrityError as exc:
        raise Conflict(_("该审批已由他人完成。"), current_state=incident.state) from exc
