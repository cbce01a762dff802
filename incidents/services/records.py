"""Writes to an incident's record that change no state: progress updates (Art. 10), evidence files, the
regulator decision, the recurrence link (Art. 18), and the facts other apps record on the timeline."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from core import errors as refusals
from core.errors import Invalid

from .. import events, policies
from ..forms import ProgressUpdateForm, RegulatorDecisionForm, attachment_errors
from ..models import Attachment, Incident, ProgressUpdate, TimelineEntry
from .acting import IncidentAction, incident_action


def incident_record_action(
    *, incident_id: int, user: Any, action: str, comment: str = "", payload: dict[str, Any] | None = None
) -> TimelineEntry:
    """A fact with no state change (an early warning on the open incident, a system recovered, a
    notification failed, …) that another app records on the incident's timeline, as the system."""
    with incident_action(incident_id, user=user, may=None) as act:
        return act.record(action, comment=comment, payload=payload)


def incident_relate(
    *, incident_id: int, related_id: int, user: Any, comment: str, payload: dict[str, Any]
) -> Incident:
    """Art. 18: link the incident to an earlier one it recurs (kept once: a link already made stays)."""
    with incident_action(incident_id, user=user, may=None) as act:
        incident = act.incident
        if incident.related_incident_id is None:
            incident.related_incident_id = related_id
            incident.save(update_fields=["related_incident", "updated_at"])
            act.record("recurrence_linked", comment=comment, payload=payload)
        return incident


def incident_add_update(
    *, incident_id: int, user: Any, data: dict[str, Any], files: list[UploadedFile] | None = None
) -> ProgressUpdate:
    """最新进展 (Art. 10), optionally with evidence files."""
    with incident_action(incident_id, user=user) as act:
        form = ProgressUpdateForm(data)
        if not form.is_valid():
            raise Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())
        now = timezone.now()
        update = ProgressUpdate.objects.create(
            incident=act.incident, author=user, text=form.cleaned_data["text"], at=now
        )
        act.record("progress_update", comment=update.text, payload={"update": update.pk}, at=now)
        for upload in files or []:
            _attach(act, upload=upload, update=update)
        events.publish(events.ProgressUpdated(incident=act.incident, actor=user))
        return update


def incident_add_attachment(
    *, incident_id: int, user: Any, upload: UploadedFile | None, update_id: int | None = None
) -> Attachment:
    with incident_action(incident_id, user=user) as act:
        update = (
            ProgressUpdate.objects.filter(pk=update_id, incident=act.incident).first() if update_id else None
        )
        return _attach(act, upload=upload, update=update)


def _attach(act: IncidentAction, *, upload: UploadedFile | None, update: ProgressUpdate | None) -> Attachment:
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
        incident=act.incident,
        update=update,
        name=upload.name or "file",
        size=upload.size or 0,
        content_type=upload.content_type or "application/octet-stream",
        sha256=digest.hexdigest(),
        uploaded_by=act.user,
        at=now,
    )
    attachment.file.save(upload.name or "file", upload, save=False)
    attachment.save()
    act.record(
        "attachment_added",
        comment=attachment.name,
        payload={"attachment": attachment.pk, "sha256": attachment.sha256, "size": attachment.size},
        at=now,
    )
    return attachment


def incident_record_regulator_decision(*, incident_id: int, user: Any, data: dict[str, Any]) -> Incident:
    """Art. 10: the Leadership Group records whether the event is reported to the regulator."""
    with incident_action(incident_id, user=user, may=policies.may_record_regulator_decision) as act:
        incident = act.incident
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
        act.record(
            "regulator_decision",
            comment=form.cleaned_data["comment"],
            payload={k: v for k, v in form.cleaned_data.items() if k != "comment"},
            at=now,
        )
        events.publish(
            events.RegulatorDecisionRecorded(incident=incident, actor=user, decision=form.cleaned_data)
        )
        return incident
