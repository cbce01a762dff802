"""The post-incident report (DESIGN §6), built from the record one section at a time.

The report is a plain, language-neutral dict (codes, UTC ISO times), so that its canonical JSON — and
therefore its SHA-256 — is the same whatever language it is read in. Templates turn codes into words.
Each ``_section`` function below builds one key of the report from the incident, its timeline entries and
its investigation, read once by ``report_content``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from escalation import selectors as escalation_selectors
from incidents import selectors as incident_selectors
from incidents.models import ChecklistItem, Incident, TimelineEntry
from security import masking

from .models import CorrectiveAction, DrillRecord, FinalReport, Investigation, ResponsiblePerson
from .selectors import (
    answer_rate_impact_of,
    drill_score,
    duration_minutes_of,
    early_warning_of,
    iso,
    late_report_of,
    regulator_deadlines_of,
)

REPORT_FORMAT = "emergency-desk/post-incident-report/v1"
DECISION_ACTIONS = (
    "report",
    "activate",
    "decline",
    "execute",
    "request_termination",
    "approve_termination",
    "reject_termination",
    "investigate",
    "close",
)
DECISION_DETAILS = ("grade", "plan", "damage_degree", "damage_scale", "slot", "missing", "reason")
INCIDENT_TIMES = (  # the incident's own time fields, shown without their ``_at``
    "detected_at",
    "started_at",
    "reported_at",
    "decided_at",
    "activated_at",
    "executing_at",
    "termination_requested_at",
    "terminated_at",
    "investigating_at",
    "closed_at",
)


def _person(person: Any) -> dict[str, Any] | None:
    return {"id": person.pk, "name": person.name} if person else None


def _user_name(user: Any) -> str | None:
    """The person's name for a user joined with ``__person`` (no query), else the login name."""
    if user is None:
        return None
    person = getattr(user, "person", None)
    return person.name if person is not None else user.get_username()


def investigation_of(*, incident: Incident) -> Investigation | None:
    return (
        Investigation.objects.filter(incident=incident)
        .prefetch_related(
            Prefetch("responsible", queryset=ResponsiblePerson.objects.select_related("person")),
            Prefetch("actions", queryset=CorrectiveAction.objects.select_related("owner")),
        )
        .first()
    )


# --- the sections --------------------------------------------------------------------------------------


def _incident_section(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "title": incident.title,
        "category": incident.category,
        "plan": incident.plan,
        "lead_group": incident.lead_group.code if incident.lead_group else None,
        "grade": incident.grade,
        "grade_evidence": incident.grade_evidence,
        "is_drill": incident.is_drill,
        "state": incident.state,
        "affected_system": incident.affected_system,
        "source": incident.source,
        "description": incident.description,
        "situation": incident.situation,
        "impact": incident.impact,
        "damage_degree": incident.damage_degree,
        "damage_scale": incident.damage_scale,
        "on_scene_commander": _person(incident.on_scene_commander),
        "resolution_summary": incident.resolution_summary,
        "investigators": [_person(person) for person in incident.investigators.all()],
        "times": {name.removesuffix("_at"): iso(getattr(incident, name)) for name in INCIDENT_TIMES},
        "termination_deadline": iso(incident.termination_deadline),
    }


def _timeline_section(entries: list[TimelineEntry]) -> list[dict[str, Any]]:
    return [
        {
            "seq": entry.seq,
            "at": iso(entry.at),
            "actor": entry.actor_name,
            "role": entry.actor_role,
            "kind": entry.kind,
            "action": entry.action,
            "from_state": entry.from_state,
            "to_state": entry.to_state,
            "comment": masking.masked_comment(entry.action, entry.comment),
            "hash": entry.hash,
        }
        for entry in entries
    ]


def _decisions_section(entries: list[TimelineEntry]) -> list[dict[str, Any]]:
    return [
        {
            "seq": entry.seq,
            "at": iso(entry.at),
            "who": entry.actor_name,
            "role": entry.actor_role,
            "action": entry.action,
            "to_state": entry.to_state,
            "why": entry.comment,
            "acting_for": entry.payload.get("acting_for"),  # {"role", "for"} when an acting leader decided
            "details": {key: value for key, value in entry.payload.items() if key in DECISION_DETAILS},
        }
        for entry in entries
        if entry.action in DECISION_ACTIONS
    ]


def _approvals_section(incident: Incident) -> list[dict[str, Any]]:
    return [
        {
            "round": approval.round,
            "slot": approval.slot,
            "decision": approval.decision,
            "who": approval.approver_name,
            "at": iso(approval.at),
            "comment": approval.comment,
        }
        for approval in incident.approvals.order_by("round", "at")
    ]


def _measures_section(incident: Incident) -> list[dict[str, Any]]:
    return [
        {
            "title": item.title,
            "article": item.article,
            "owner": item.owner.name if item.owner else None,
            "due_at": iso(item.due_at),
            "done_at": iso(item.done_at),
            "done_by": _user_name(item.done_by),
            "evidence": item.evidence,
            # issue 12: a measure withdrawn by a kind correction is reported as withdrawn, never left out
            "withdrawn_at": iso(item.withdrawn_at),
            "withdrawn_by": _user_name(item.withdrawn_by),
            "withdrawn_reason": item.withdrawn_reason,
        }
        for item in ChecklistItem.objects.filter(incident=incident)
        .select_related("owner", "done_by__person", "withdrawn_by__person")
        .order_by("position", "due_at")
    ]


def _messages_section(incident: Incident) -> list[dict[str, Any]]:
    """Who was told (issue 13): per message, the recipient, channel, when it was sent, delivered or failed
    (with the error), acknowledged by whom and when — the rows the incident page lists, read by the same
    selector (``escalation.selectors.messages_of``, one query whatever their number)."""
    return [
        {
            "at": iso(message.created_at),
            "event": message.event,
            "subject": message.subject,
            "recipient": message.recipient_name or masking.mask_value(masking.TEXT, message.address),
            "channel": message.channel,
            "status": message.status,
            "sent_at": iso(message.sent_at),
            # a gateway's error often quotes the address or the number: masked, like the rest of the report
            "error": (
                masking.mask_value(masking.TEXT, message.last_error)
                if message.status == message.Status.FAILED
                else ""
            ),
            "needs_ack": message.needs_ack,
            "acknowledged_at": iso(message.acknowledged_at),
            "acknowledged_by": (
                _user_name(message.acknowledged_by) or message.recipient_name
                if message.acknowledged_at
                else None
            ),
            "acknowledged_via": message.acknowledged_via,
        }
        for message in escalation_selectors.messages_of(incident=incident)
    ]


def _progress_updates_section(entries: list[TimelineEntry]) -> list[dict[str, Any]]:
    return [
        {"at": iso(entry.at), "who": entry.actor_name, "text": entry.comment}
        for entry in entries
        if entry.action == "progress_update"
    ]


def _regulator_section(incident: Incident, entries: list[TimelineEntry]) -> dict[str, Any]:
    return {
        "decision": incident.regulator_decision,
        "decided_at": iso(incident.regulator_decided_at),
        "decided_by": _user_name(incident.regulator_decided_by),
        "deadlines": regulator_deadlines_of(incident=incident),
        "events": [
            {"seq": entry.seq, "at": iso(entry.at), "action": entry.action, "comment": entry.comment}
            for entry in entries
            if entry.action.startswith("regulator")
        ],
    }


def _investigation_section(investigation: Investigation | None) -> dict[str, Any]:
    if investigation is None:
        return {"present": False}
    return {
        "present": True,
        "direct_cause": investigation.direct_cause,
        "root_cause": investigation.root_cause,
        "is_internal_cause": investigation.is_internal_cause,
        "consequences": investigation.consequences,
        "missing": investigation.missing_fields(),
    }


def _consequences_section(incident: Incident, investigation: Investigation | None) -> dict[str, Any]:
    monitoring_impact = answer_rate_impact_of(incident=incident)
    financial_loss = investigation.financial_loss if investigation else None
    return {
        "customers_affected": investigation.customers_affected if investigation else None,
        "financial_loss": str(financial_loss) if financial_loss is not None else None,
        "duration_minutes": duration_minutes_of(incident=incident),
        "answer_rate_impact": monitoring_impact
        if monitoring_impact is not None
        else (investigation.answer_rate_impact if investigation else ""),
        "answer_rate_source": "monitoring" if monitoring_impact is not None else "manual",
    }


def _findings_section(
    incident: Incident, investigation: Investigation | None, entries: list[TimelineEntry]
) -> dict[str, Any]:
    late = late_report_of(incident=incident, entries=entries)
    return {
        "late_report": {
            **late,
            "finding": investigation.late_report
            if investigation is not None and investigation.late_report is not None
            else late["late"],
        },
        "concealed_report": investigation.concealed_report if investigation is not None else False,
        "false_report": investigation.false_report if investigation is not None else False,
        "measures_not_taken": investigation.measures_not_taken if investigation is not None else "",
        "orders_refused": investigation.orders_refused if investigation is not None else "",
        "note": investigation.findings_note if investigation is not None else "",
        "discipline": investigation.discipline if investigation is not None else "",
        "police_referral": investigation.police_referral if investigation is not None else False,
        "police_referral_note": investigation.police_referral_note if investigation is not None else "",
    }


def _responsibilities_section(investigation: Investigation | None) -> list[dict[str, Any]]:
    if investigation is None:
        return []
    return [
        {
            "name": item.name,
            "person": _person(item.person),
            "responsibility": item.responsibility,
            "description": item.description,
        }
        for item in investigation.responsible.all()
    ]


def _actions_section(investigation: Investigation | None) -> list[dict[str, Any]]:
    if investigation is None:
        return []
    today = timezone.localdate()
    return [
        {
            "id": action.pk,
            "kind": action.kind,
            "title": action.title,
            "owner": _person(action.owner),
            "due_date": action.due_date.isoformat(),
            "status": action.status,
            "closure_evidence": action.closure_evidence,
            "done_at": iso(action.done_at),
            "retest": action.retest,
            "retest_note": action.retest_note,
            "overdue": action.is_overdue(today),
        }
        for action in investigation.actions.all()
    ]


def drill_of(*, incident: Incident) -> dict[str, Any]:
    record = DrillRecord.objects.filter(incident=incident).prefetch_related("participants").first()
    return {
        "held_at": iso(record.held_at if record else incident.started_at or incident.detected_at),
        "content": record.content if record else "",
        "participants": [_person(person) for person in record.participants.all()] if record else [],
        "participants_note": record.participants_note if record else "",
        "evaluation": record.evaluation if record else "",
        **drill_score(incident=incident),
    }


# --- the report ----------------------------------------------------------------------------------------


def report_content(*, incident: Incident) -> dict[str, Any]:
    """Build the post-incident report from the record (DESIGN §6). Language-neutral and deterministic."""
    incident = (
        Incident.objects.select_related(
            "lead_group",
            "on_scene_commander",
            "reported_by",
            "declared_by",
            "regulator_decided_by__person",
            "termination_requested_by",
        )
        .prefetch_related("investigators")
        .get(pk=incident.pk)
    )
    entries = list(incident_selectors.timeline_of(incident=incident))
    investigation = investigation_of(incident=incident)
    return {
        "format": REPORT_FORMAT,
        "incident": _incident_section(incident),
        "early_warning": early_warning_of(incident=incident, entries=entries),
        "timeline": _timeline_section(entries),
        "timeline_head": entries[-1].hash if entries else None,
        "decisions": _decisions_section(entries),
        "approvals": _approvals_section(incident),
        "measures": _measures_section(incident),
        "progress_updates": _progress_updates_section(entries),
        "messages": _messages_section(incident),
        "regulator": _regulator_section(incident, entries),
        "investigation": _investigation_section(investigation),
        "consequences": _consequences_section(incident, investigation),
        "findings": _findings_section(incident, investigation, entries),
        "responsibilities": _responsibilities_section(investigation),
        "actions": _actions_section(investigation),
        "lessons": investigation.lessons_learned if investigation else "",
        "drill": drill_of(incident=incident) if incident.is_drill else None,
    }


def canonical_json(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def report_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def report_for(*, incident: Incident) -> dict[str, Any]:
    """The report to show: the frozen one once the case is closed, else a live draft built now."""
    final = FinalReport.objects.filter(incident=incident).first()
    if final is not None:
        return {"final": True, "sha256": final.sha256, "content": final.content, "closed_at": final.closed_at}
    content = report_content(incident=incident)
    return {"final": False, "sha256": report_hash(content), "content": content, "closed_at": None}
