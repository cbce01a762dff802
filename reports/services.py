"""Writes for investigations, actions, drill records and the filed report (Art. 6, 19–21).

Each write runs in ``incidents.services.incident_action``: lock the incident row → refuse a closed case
(409), the wrong state (409) or the wrong person (403) → validate with the form (400) → save → one timeline
entry under that same lock.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core import errors as refusals
from core.errors import Conflict, Forbidden, IncidentNotFound, Invalid
from core.wording import join_list
from incidents import policies
from incidents import services as incident_services
from incidents.models import Incident, State
from teams.selectors import actor_for

from . import clocks, post_incident, selectors
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
            _("调查报告尚不完整，缺少：%(fields)s") % {"fields": join_list(labels)},
            detail={"investigation": [{"message": label, "code": "required"} for label in labels]},
        )


def _may_write(incident: Incident, user: Any) -> bool:
    return selectors.may_write_investigation(incident=incident, user=user)


def _investigation_action(
    incident_id: int, user: Any, states: tuple[str, ...] = (State.INVESTIGATING,), *, owner: bool = False
) -> Any:
    """Act on the incident for its investigation: the leader, deputy or a named investigator, while it is
    investigated (a corrective action's owner may follow their own action in any state but closed)."""
    return incident_services.incident_action(
        incident_id,
        user=user,
        may=(lambda incident, who: True) if owner else _may_write,
        states=None if owner else states,
        closed_message=_("事件已结案，调查报告不可更改。"),
        not_allowed_message=lambda incident: _("只有组长、副组长或指定的调查人员可以填写调查报告。"),
        wrong_state_message=lambda incident: (
            _("当前状态为“%(state)s”，不能填写此项。") % {"state": incident.get_state_display()}
        ),
    )


def _invalid(form: Any) -> Invalid:
    return Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())


def _investigation_for(incident: Incident) -> Investigation:
    """The incident's investigation, created on first write with the late-report flag pre-filled (Art. 21)."""
    investigation = Investigation.objects.filter(incident=incident).first()
    if investigation is None:
        late = selectors.late_report_of(incident=incident)
        investigation = Investigation.objects.create(incident=incident, late_report=late["late"])
    return investigation


def investigation_update(*, incident_id: int, user: Any, data: dict[str, Any]) -> Investigation:
    """Write any of the investigation's fields (partial: fields absent from ``data`` are left alone)."""
    with _investigation_action(incident_id, user) as act:
        investigation = _investigation_for(act.incident)
        form = InvestigationForm(data, instance=investigation)
        if not form.is_valid():
            raise _invalid(form)
        investigation = form.save(commit=False)
        investigation.updated_by = user if getattr(user, "pk", None) else None
        investigation.save()
        changed = {name: incident_services.json_safe(form.cleaned_data[name]) for name in form.fields}
        act.record("investigation_updated", payload={"fields": changed})
        return investigation


def responsible_person_add(*, incident_id: int, user: Any, data: dict[str, Any]) -> ResponsiblePerson:
    """Name a person responsible and how (direct / indirect; Art. 20–21)."""
    with _investigation_action(incident_id, user) as act:
        form = ResponsiblePersonForm(data)
        if not form.is_valid():
            raise _invalid(form)
        responsible = form.save(commit=False)
        responsible.investigation = _investigation_for(act.incident)
        responsible.name = form.cleaned_data["name"]
        responsible.save()
        act.record(
            "responsible_person_added",
            comment=responsible.description,
            payload={
                "responsible": responsible.pk,
                "name": responsible.name,
                "responsibility": responsible.responsibility,
            },
        )
        return responsible


def corrective_action_add(*, incident_id: int, user: Any, data: dict[str, Any]) -> CorrectiveAction:
    """A corrective or preventive action with its owner and due date (Art. 19 防范控制措施), added where its
    clock runs (``clocks.ACTION_STATES``: while the case is investigated)."""
    with _investigation_action(incident_id, user, states=clocks.ACTION_STATES) as act:
        form = CorrectiveActionForm(data)
        if not form.is_valid():
            raise _invalid(form)
        action = form.save(commit=False)
        action.investigation = _investigation_for(act.incident)
        action.created_by = user if getattr(user, "pk", None) else None
        action.save()
        clocks.action_clock_follow(incident=act.incident, action=action)
        act.record(
            "corrective_action_added",
            payload={
                "action": action.pk,
                "kind": action.kind,
                "title": action.title,
                "owner": incident_services.json_safe(action.owner),
                "due_date": action.due_date.isoformat(),
            },
        )
        return action


def corrective_action_update(*, action_id: int, user: Any, data: dict[str, Any]) -> CorrectiveAction:
    """Follow an action to closure: status, closure evidence, re-test. The action's owner may record its
    own progress besides the leader, deputy and investigators; marking it done is the owner's, the lead
    group's lead's or the Leadership Group's (the rule of every measure, issue 13)."""
    row = (
        CorrectiveAction.objects.filter(pk=action_id).values("investigation__incident_id", "owner_id").first()
    )
    if row is None:
        raise IncidentNotFound(_("整改措施不存在。"))
    actor = actor_for(user)
    is_owner = actor.person_id is not None and actor.person_id == row["owner_id"]
    # marking it done is judged by the measure rule inside (its refusal names the owner)
    completing_asked = data.get("status") == CorrectiveAction.Status.DONE
    with _investigation_action(
        row["investigation__incident_id"], user, owner=is_owner or completing_asked
    ) as act:
        action = (
            CorrectiveAction.objects.select_for_update(of=("self",)).select_related("owner").get(pk=action_id)
        )
        form = ActionProgressForm(data, action=action)
        if not form.is_valid():
            raise _invalid(form)
        now = timezone.now()
        cleaned = {name: value for name, value in form.cleaned_data.items() if name in data}
        completing = cleaned.get("status") == CorrectiveAction.Status.DONE != action.status
        refusal = policies.measure_refusal(act.incident, action, user) if completing else ""
        if refusal:  # issue 13: only its owner, the lead group's lead or the Leadership Group completes it
            raise Forbidden(refusal)
        beyond_completing = not completing or bool(set(cleaned) - {"status", "closure_evidence"})
        if completing_asked and not is_owner and beyond_completing and not _may_write(act.incident, user):
            # the rest of the follow-up stays the investigators' (as without the completion)
            raise Forbidden(_("只有组长、副组长或指定的调查人员可以填写调查报告。"))
        for name, value in cleaned.items():
            setattr(action, name, value)
        if action.status == CorrectiveAction.Status.DONE and action.done_at is None:
            action.done_at = now
        if action.status != CorrectiveAction.Status.DONE:
            action.done_at = None
        if "retest" in cleaned:
            action.retested_at = now if action.retest else None
        action.save()
        clocks.action_clock_follow(incident=act.incident, action=action)
        act.record("corrective_action_updated", payload={"action": action.pk, **cleaned})
        return action


def drill_record_save(*, incident_id: int, user: Any, data: dict[str, Any]) -> DrillRecord:
    """Record a drill (Art. 6): time, content, participants, evaluation. Only for incidents marked 演练."""
    with _investigation_action(incident_id, user, states=(State.TERMINATED, State.INVESTIGATING)) as act:
        incident = act.incident
        if not incident.is_drill:
            raise Conflict(_("只有演练事件才有演练记录。"), current_state=incident.state)
        record = DrillRecord.objects.filter(incident=incident).first()
        merged = {
            "held_at": (
                record.held_at if record else incident.started_at or incident.detected_at
            ).isoformat(),
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
        act.record(
            "drill_recorded",
            comment=record.evaluation,
            payload={"participants": [p.pk for p in record.participants.all()], "score": score["score"]},
        )
        return record


def report_file(*, incident: Incident, user: Any) -> FinalReport:
    """At ``close`` (``handlers.on_transitioned``, inside the close transaction, under its row lock):
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
