"""Every write to an incident goes through here (STYLE.md §2): the browser, the API and Celery tasks call
these same functions.

A transition: ``atomic()`` → lock the row → check the state (409) and the permission (403) → validate
the fields with the transition's form (400) → run the django-fsm transition → ``save()`` → append one
timeline entry → let ``flows`` start or stop timers in the same transaction and defer I/O to
``transaction.on_commit``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from core import errors as refusals
from core.errors import Conflict, Forbidden, IncidentNotFound, Invalid, UnknownTransition
from teams import selectors as team_selectors
from teams.models import Party, Person, Team

from . import flows, policies, selectors
from .forms import (
    TRANSITION_FORMS,
    ChecklistDoneForm,
    DeclareForm,
    ProgressUpdateForm,
    RegulatorDecisionForm,
    attachment_errors,
)
from .models import (
    GENESIS_HASH,
    Attachment,
    ChecklistItem,
    ChecklistTemplate,
    Incident,
    OwnerRole,
    ProgressUpdate,
    Recurrence,
    State,
    TerminationApproval,
    TimelineEntry,
)
from .plans import default_plan_for, lead_group_for

# --- the timeline ------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Make validated form data JSON-safe for the timeline payload, keeping names next to ids."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Model):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, list | tuple | set) or hasattr(value, "__iter__") and hasattr(value, "model"):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def timeline_append(
    *,
    incident: Incident,
    user: Any,
    action: str,
    kind: str = TimelineEntry.Kind.ACTION,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TimelineEntry:
    """Append one entry to the incident's hash chain. The caller holds the incident's row lock, which is
    what keeps the sequence gap-free and the chain linear under concurrency."""
    last = TimelineEntry.objects.filter(incident=incident).order_by("-seq").values("seq", "hash").first()
    actor = team_selectors.actor_for(user)
    entry = TimelineEntry(
        incident=incident,
        seq=(last["seq"] + 1) if last else 1,
        at=at or timezone.now(),
        actor_id=getattr(user, "pk", None),
        actor_name=actor.display_name or str(user),
        actor_role=actor.primary_role,
        kind=kind,
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        payload=_plain(payload or {}),
        prev_hash=last["hash"] if last else GENESIS_HASH,
    )
    entry.hash = entry.compute_hash()
    entry.save(force_insert=True)
    return entry


def timeline_append_action(
    *,
    incident: Incident,
    user: Any,
    action: str,
    comment: str = "",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TimelineEntry:
    """An action that changes no state, appended by a caller already holding the incident's row lock."""
    return timeline_append(
        incident=incident,
        user=user,
        action=action,
        comment=comment,
        payload=payload,
        from_state=incident.state,
        to_state=incident.state,
        at=at,
    )


def _lock(incident_id: int) -> Incident:
    try:
        return (
            Incident.objects.select_for_update(of=("self",)).select_related("lead_group").get(pk=incident_id)
        )
    except Incident.DoesNotExist as exc:
        raise IncidentNotFound(refusals.not_found_message()) from exc


# --- declaring ---------------------------------------------------------------------------------------


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
        description=cleaned["description"],
        detected_at=cleaned["detected_at"],
        started_at=started_at or cleaned["detected_at"],
        grade=cleaned["grade"],
        is_drill=cleaned["is_drill"],
        affected_system=cleaned["affected_system"],
        plan=plan,
        lead_group=Team.objects.filter(code=lead_group_for(plan)).first() if plan else None,
        source=source,
        source_key=source_key,
        declared_by=user if getattr(user, "pk", None) else None,
    )
    incident.save()
    timeline_append(
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
    flows.after_declare(incident=incident, user=user)
    return incident


# --- transitions -------------------------------------------------------------------------------------


def _forbidden_reason(incident: Incident, name: str, user: Any) -> str:
    actor = team_selectors.actor_for(user)
    if actor.is_read_only:
        return refusals.read_only_message()
    if name in ("activate", "decline") and actor.is_leadership_decider:
        return _("四眼原则：报告人不能对自己的报告作出启动决定，须由领导小组另一位负责人决定。")
    if name == "approve_termination" and policies.approval_slots_held(incident, user):
        return _("四眼原则：终止申请人不能批准自己的申请。")
    return refusals.not_allowed_message()


@transaction.atomic
def incident_transition(*, incident_id: int, name: str, user: Any, data: dict[str, Any]) -> Incident:
    if name not in TRANSITION_FORMS:
        raise UnknownTransition(_("没有名为“%(name)s”的操作。") % {"name": name})
    incident = _lock(incident_id)
    method = getattr(incident, name)
    from_state = incident.state
    if not can_proceed(method, check_conditions=False):
        raise Conflict(
            _("当前状态为“%(state)s”，不能执行此操作（可能已有他人处理）。")
            % {"state": incident.get_state_display()},
            current_state=from_state,
        )
    if name == "approve_termination":
        _refuse_repeat_approval(incident, user)
    if not has_transition_perm(method, user):
        raise Forbidden(_forbidden_reason(incident, name, user))
    form = TRANSITION_FORMS[name](data, incident=incident)
    if not form.is_valid():
        raise Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())
    cleaned = dict(form.cleaned_data)
    comment = cleaned.pop("comment", "") or cleaned.get("reason", "")
    now = timezone.now()
    payload = dict(cleaned)

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
        if name == "close":
            flows.check_can_close(incident=incident)
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

    incident.save()
    timeline_append(
        incident=incident,
        user=user,
        action=name,
        kind=TimelineEntry.Kind.TRANSITION,
        from_state=from_state,
        to_state=incident.state,
        comment=comment,
        payload=payload,
        at=now,
    )
    if name == "activate":
        checklist_instantiate(incident=incident, at=now)
    flows.after_transition(incident=incident, name=name, from_state=from_state, user=user)
    return incident


def _refuse_repeat_approval(incident: Incident, user: Any) -> None:
    """Someone else already gave the approval this user could give, or they gave it themselves: a conflict."""
    if not policies.approval_slots_held(incident, user) or policies.open_slots_for(incident, user):
        return
    if policies._same_user(user, incident.termination_requested_by_id):
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


# --- actions that change no state -----------------------------------------------------------------


def _lock_for_action(incident_id: int, user: Any, check: Any = policies.may_act_on) -> Incident:
    incident = _lock(incident_id)
    if not check(incident, user):
        actor = team_selectors.actor_for(user)
        if incident.state == State.CLOSED:
            raise Conflict(refusals.closed_message(), current_state=incident.state)
        if actor.is_read_only:
            raise Forbidden(refusals.read_only_message())
        raise Forbidden(refusals.not_allowed_message())
    return incident


@transaction.atomic
def incident_record_action(
    *, incident_id: int, user: Any, action: str, comment: str = "", payload: dict[str, Any] | None = None
) -> TimelineEntry:
    """A first-class action with no state change (media report logged, remedy recorded, notification
    sent or failed, …) for other apps to record on the incident's timeline."""
    incident = _lock(incident_id)
    return timeline_append_action(
        incident=incident,
        user=user,
        action=action,
        comment=comment,
        payload=payload,
    )


@transaction.atomic
def incident_add_update(
    *, incident_id: int, user: Any, data: dict[str, Any], files: list[UploadedFile] | None = None
) -> ProgressUpdate:
    """最新进展 (Art. 10), optionally with evidence files."""
    incident = _lock_for_action(incident_id, user)
    form = ProgressUpdateForm(data)
    if not form.is_valid():
        raise Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())
    now = timezone.now()
    update = ProgressUpdate.objects.create(
        incident=incident, author=user, text=form.cleaned_data["text"], at=now
    )
    timeline_append_action(
        incident=incident,
        user=user,
        action="progress_update",
        comment=update.text,
        payload={"update": update.pk},
        at=now,
    )
    for upload in files or []:
        _attach(incident=incident, user=user, upload=upload, update=update)
    flows.after_progress_update(incident=incident)
    return update


@transaction.atomic
def incident_add_attachment(
    *, incident_id: int, user: Any, upload: UploadedFile | None, update_id: int | None = None
) -> Attachment:
    incident = _lock_for_action(incident_id, user)
    update = ProgressUpdate.objects.filter(pk=update_id, incident=incident).first() if update_id else None
    return _attach(incident=incident, user=user, upload=upload, update=update)


def _attach(
    *, incident: Incident, user: Any, upload: UploadedFile | None, update: ProgressUpdate | None
) -> Attachment:
    if upload is None:
        raise Invalid(
            _("请选择文件。"), detail={"file": [{"message": _("请选择文件。"), "code": "required"}]}
        )
    errors = attachment_errors(name=upload.name or "", size=upload.size or 0)
    if errors:
        raise Invalid(errors[0], detail={"file": [{"message": e, "code": "invalid"} for e in errors]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    now = timezone.now()
    attachment = Attachment(
        incident=incident,
        update=update,
        name=upload.name or "file",
        size=upload.size or 0,
        content_type=upload.content_type or "application/octet-stream",
        sha256=digest.hexdigest(),
        uploaded_by=user,
        at=now,
    )
    attachment.file.save(upload.name or "file", upload, save=False)
    attachment.save()
    timeline_append_action(
        incident=incident,
        user=user,
        action="attachment_added",
        comment=attachment.name,
        payload={"attachment": attachment.pk, "sha256": attachment.sha256, "size": attachment.size},
        at=now,
    )
    return attachment


@transaction.atomic
def incident_record_regulator_decision(*, incident_id: int, user: Any, data: dict[str, Any]) -> Incident:
    """Art. 10: the Leadership Group records whether the event is reported to the regulator."""
    incident = _lock_for_action(incident_id, user, check=policies.may_record_regulator_decision)
    form = RegulatorDecisionForm(data)
    if not form.is_valid():
        raise Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())
    now = timezone.now()
    incident.regulator_decision = form.cleaned_data["decision"]
    incident.regulator_decided_at = now
    incident.regulator_decided_by = user
    incident.save(
        update_fields=["regulator_decision", "regulator_decided_at", "regulator_decided_by", "updated_at"]
    )
    timeline_append_action(
        incident=incident,
        user=user,
        action="regulator_decision",
        comment=form.cleaned_data["comment"],
        payload={k: v for k, v in form.cleaned_data.items() if k != "comment"},
        at=now,
    )
    flows.after_regulator_decision(incident=incident, decision=form.cleaned_data)
    return incident


# --- checklists (DESIGN §4) -----------------------------------------------------------------------


def _owner_for(role: str, incident: Incident) -> Person | None:
    if role == OwnerRole.LEAD_GROUP_LEAD and incident.lead_group is not None:
        return team_selectors.team_lead(team_code=incident.lead_group.code)
    if role in (OwnerRole.DEPUTY, OwnerRole.LEADER):
        return team_selectors.people_of_team(team_code=Team.Code.LEADERSHIP, roles=(role,)).first()
    if role in Party.Kind.values:
        party = team_selectors.party(kind=role)
        return party.person if party else None
    return None


def _next_friday(after: datetime) -> datetime:
    local = timezone.localtime(after)
    days = (4 - local.weekday()) % 7 or 7
    return (local + timedelta(days=days)).replace(hour=18, minute=0, second=0, microsecond=0)


def checklist_instantiate(*, incident: Incident, at: datetime) -> list[ChecklistItem]:
    """Copy the plan's current template onto the incident at activation (Art. 11)."""
    template = (
        ChecklistTemplate.objects.filter(plan=incident.plan, is_active=True).order_by("-version").first()
    )
    if template is None:
        return []
    items = []
    for item in template.items.order_by("position"):
        due = at + timedelta(minutes=item.due_after_minutes)
        if item.recurrence == Recurrence.WEEKLY_FRIDAY:
            due = _next_friday(at)
        items.append(
            ChecklistItem(
                incident=incident,
                template_item=item,
                template_version=template.version,
                position=item.position,
                code=item.code,
                title=item.title,
                article=item.article,
                owner_role=item.owner_role,
                owner=_owner_for(item.owner_role, incident),
                due_at=due,
                recurrence=item.recurrence,
            )
        )
    return ChecklistItem.objects.bulk_create(items)


@transaction.atomic
def checklist_item_complete(*, item_id: int, user: Any, data: dict[str, Any]) -> ChecklistItem:
    item = ChecklistItem.objects.filter(pk=item_id).values("incident_id").first()
    if item is None:
        raise IncidentNotFound(_("措施不存在。"))
    incident = _lock_for_action(item["incident_id"], user)
    checklist_item = ChecklistItem.objects.select_for_update().get(pk=item_id)
    if checklist_item.done_at:
        raise Conflict(
            _("该措施已由 %(who)s 完成。") % {"who": checklist_item.done_by}, current_state=incident.state
        )
    form = ChecklistDoneForm(data)
    if not form.is_valid():
        raise Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())
    now = timezone.now()
    checklist_item.done_at = now
    checklist_item.done_by = user
    checklist_item.evidence = form.cleaned_data["evidence"]
    checklist_item.save(update_fields=["done_at", "done_by", "evidence"])
    timeline_append_action(
        incident=incident,
        user=user,
        action="checklist_done",
        comment=checklist_item.evidence,
        payload={"item": checklist_item.pk, "code": checklist_item.code, "title": checklist_item.title},
        at=now,
    )
    if checklist_item.recurrence == Recurrence.WEEKLY_FRIDAY and incident.is_open:
        # Art. 14 (2): disinfection every Friday — the next one is due as soon as this one is done.
        ChecklistItem.objects.create(
            incident=incident,
            template_item=checklist_item.template_item,
            template_version=checklist_item.template_version,
            position=checklist_item.position,
            code=checklist_item.code,
            title=checklist_item.title,
            article=checklist_item.article,
            owner_role=checklist_item.owner_role,
            owner=checklist_item.owner,
            due_at=_next_friday(checklist_item.due_at),
            recurrence=checklist_item.recurrence,
        )
    return checklist_item
