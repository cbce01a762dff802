"""Writes for investigations, actions, drill records and the filed report (Art. 6, 19–21).

Each write: ``atomic()`` → lock the incident row → refuse a closed case (409), the wrong state (409) or the
wrong person (403) → validate with the form (400) → save → one timeline entry under that same lock.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from core import errors as refusals
from core.errors import Conflict, Forbidden, IncidentNotFound, Invalid
from incidents import services as incident_services
from incidents.models import Incident, State
from teams.selectors import actor_for

from . import post_incident, selectors
from .forms import (
    ActionProgressForm,
    CorrectiveActionForm,
    DrillRecordForm,
    InvestigationForm,
    ResponsiblePersonForm,
)
from .models import CorrectiveAction, DrillRecord, FinalReport, Investigation, ResponsiblePerson


def require_complete_investigation(*, incident: Incident) -> None:
    """Refuse ``close`` until the special report's required parts are written (Art. 19)."""
    investigation = Investigation.objects.filter(incident=incident).first()
    missing = list(Investigation.REQUIRED_FIELDS) if investigation is None else investigation.missing_fields()
    if missing:
        labels = [str(getattr(Investigation._meta.get_field(name), "verbose_name", name)) for name in missing]
        raise Invalid(
            _("调查报告尚不完整，缺少：%(fields)s") % {"fields": "、".join(labels)},
            detail={"investigation": [{"message": label, "code": "required"} for label in labels]},
        )


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return {"id": value.pk, "name": str(value)}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list | tuple) or hasattr(value, "model"):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _lock_for_investigation(
    incident_id: int, user: Any, states: tuple[str, ...] = (State.INVESTIGATING,)
) -> Incident:
    try:
        incident = Incident.objects.select_for_update(of=("self",)).get(pk=incident_id)
    except Incident.DoesNotExist as exc:
        raise IncidentNotFound(refusals.not_found_message()) from exc
    if incident.state == State.CLOSED:
        raise Conflict(_("事件已结案，调查报告不可更改。"), current_state=incident.state)
    actor = actor_for(user)
    if actor.is_read_only:
        raise Forbidden(refusals.read_only_message())
    if not selectors.may_write_investigation(incident=incident, user=user):
        raise Forbidden(_("只有组长、副组长或指定的调查人员可以填写调查报告。"))
    if incident.state not in states:
        raise Conflict(
            _("当前状态为“%(state)s”，不能填写此项。") % {"state": incident.get_state_display()},
            current_state=incident.state,
        )
    return incident


def _invalid(form: Any) -> Invalid:
    return Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())


def _record(incident: Incident, user: Any, action: str, payload: dict[str, Any], comment: str = "") -> None:
    incident_services.timeline_append_action(
        incident=incident, user=user, action=action, comment=comment, payload=payload
    )


def _investigation_for(incident: Incident) -> Investigation:
    """The incident's investigation, created on first write with the late-report flag pre-filled (Art. 21)."""
    investigation = Investigation.objects.filter(incident=incident).first()
    if investigation is None:
        late = selectors.late_report_of(incident=incident)
        investigation = Investigation.objects.create(incident=incident, late_report=late["late"])
    return investigation


@transaction.atomic
def investigation_update(*, incident_id: int, user: Any, data: dict[str, Any]) -> Investigation:
    """Write any of the investigation's fields (partial: fields absent from ``data`` are left alone)."""
    incident = _lock_for_investigation(incident_id, user)
    investigation = _investigation_for(incident)
    form = InvestigationForm(data, instance=investigation)
    if not form.is_valid():
        raise _invalid(form)
    investigation = form.save(commit=False)
    investigation.updated_by = user if getattr(user, "pk", None) else None
    investigation.save()
    changed = {name: _plain(form.cleaned_data[name]) for name in form.fields}
    _record(incident, user, "investigation_updated", {"fields": changed})
    return investigation


@transaction.atomic
def responsible_person_add(*, incident_id: int, user: Any, data: dict[str, Any]) -> ResponsiblePerson:
    """Name a person responsible and how (direct / indirect; Art. 20–21)."""
    incident = _lock_for_investigation(incident_id, user)
    form = ResponsiblePersonForm(data)
    if not form.is_valid():
        raise _invalid(form)
    responsible = form.save(commit=False)
    responsible.investigation = _investigation_for(incident)
    responsible.name = form.cleaned_data["name"]
    responsible.save()
    _record(
        incident,
        user,
        "responsible_person_added",
        {
            "responsible": responsible.pk,
            "name": responsible.name,
            "responsibility": responsible.responsibility,
        },
        comment=responsible.description,
    )
    return responsible


@transaction.atomic
def corrective_action_add(*, incident_id: int, user: Any, data: dict[str, Any]) -> CorrectiveAction:
    """A corrective or preventive action with its owner and due date (Art. 19 防范控制措施)."""
    incident = _lock_for_investigation(incident_id, user)
    form = CorrectiveActionForm(data)
    if not form.is_valid():
        raise _invalid(form)
    action = form.save(commit=False)
    action.investigation = _investigation_for(incident)
    action.created_by = user if getattr(user, "pk", None) else None
    action.save()
    _record(
        incident,
        user,
        "corrective_action_added",
        {
            "action": action.pk,
            "kind": action.kind,
            "title": action.title,
            "owner": _plain(action.owner),
            "due_date": action.due_date.isoformat(),
        },
    )
    return action


@transaction.atomic
def corrective_action_update(*, action_id: int, user: Any, data: dict[str, Any]) -> CorrectiveAction:
    """Follow an action to closure: status, closure evidence, re-test. The action's owner may record its
    own progress besides the leader, deputy and investigators."""
    row = CorrectiveAction.objects.filter(pk=action_id).values("investigation__incident_id").first()
    if row is None:
        raise IncidentNotFound(_("整改措施不存在。"))
    incident_id = row["investigation__incident_id"]
    action = CorrectiveAction.objects.select_related("owner").get(pk=action_id)
    actor = actor_for(user)
    is_owner = actor.person_id is not None and actor.person_id == action.owner_id
    if is_owner and not actor.is_read_only:
        incident = Incident.objects.select_for_update(of=("self",)).get(pk=incident_id)
        if incident.state == State.CLOSED:
            raise Conflict(_("事件已结案，调查报告不可更改。"), current_state=incident.state)
    else:
        incident = _lock_for_investigation(incident_id, user)
    action = CorrectiveAction.objects.select_for_update().get(pk=action_id)
    form = ActionProgressForm(data, action=action)
    if not form.is_valid():
        raise _invalid(form)
    now = timezone.now()
    cleaned = {name: value for name, value in form.cleaned_data.items() if name in data}
    for name, value in cleaned.items():
        setattr(action, name, value)
    if action.status == CorrectiveAction.Status.DONE and action.done_at is None:
        action.done_at = now
    if action.status != CorrectiveAction.Status.DONE:
        action.done_at = None
    if "retest" in cleaned:
        action.retested_at = now if action.retest else None
    action.save()
    _record(incident, user, "corrective_action_updated", {"action": action.pk, **cleaned})
    return action


@transaction.atomic
def drill_record_save(*, incident_id: int, user: Any, data: dict[str, Any]) -> DrillRecord:
    """Record a drill (Art. 6): time, content, participants, evaluation. Only for incidents marked 演练."""
    incident = _lock_for_investigation(incident_id, user, states=(State.TERMINATED, State.INVESTIGATING))
    if not incident.is_drill:
        raise Conflict(_("只有演练事件才有演练记录。"), current_state=incident.state)
    record = DrillRecord.objects.filter(incident=incident).first()
    merged = {
        "held_at": (record.held_at if record else incident.started_at or incident.detected_at).isoformat(),
        "content": record.content if record else "",
        "participants": [p.pk for p in record.participants.all()] if record else [],
        "participants_note": record.participants_note if record else "",
        "evaluation": record.evaluation if record else "",
        **data,
    }
    form = DrillRecordForm(merged, instance=record or DrillRecord(incident=incident))
    if not form.is_valid():
        raise _invalid(form)
    record = form.save(commit=False)
    record.updated_by = user if getattr(user, "pk", None) else None
    record.save()
    form.save_m2m()
    score = selectors.drill_score(incident=incident)
    _record(
        incident,
        user,
        "drill_recorded",
        {"participants": [p.pk for p in record.participants.all()], "score": score["score"]},
        comment=record.evaluation,
    )
    return record


def report_file(*, incident: Incident, user: Any) -> FinalReport:
    """At ``close`` (called from ``incidents.flows`` inside the close transaction, under its row lock):
    freeze the report, its rendered pages in both languages and its hash. The report carries the hash of
    the timeline's last entry (the ``close`` itself), so the filed copy points into the hash chain; the
    close entry stays the last one on the timeline."""
    from .rendering import report_html

    content = post_incident.report_content(incident=incident)
    digest = post_incident.report_hash(content)
    report = {"final": True, "sha256": digest, "content": content, "closed_at": incident.closed_at}
    final = FinalReport.objects.create(
        incident=incident,
        content=content,
        sha256=digest,
        html_zh=report_html(report=report, language="zh-hans"),
        html_en=report_html(report=report, language="en"),
        closed_at=incident.closed_at or timezone.now(),
    )
    return final
