"""Writes for investigations and reports."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from incidents import services as incident_services
from incidents.errors import Conflict, Invalid
from incidents.models import Incident, State

from .models import Investigation


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


@transaction.atomic
def investigation_update(*, incident_id: int, user: Any, data: dict[str, Any]) -> Investigation:
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    if incident.state != State.INVESTIGATING:
        raise Conflict(_("只有事后调查阶段可以填写调查报告。"), current_state=incident.state)
    investigation, _created = Investigation.objects.get_or_create(incident=incident)
    changed = {}
    for name in Investigation.REQUIRED_FIELDS:
        if name in data:
            setattr(investigation, name, data[name])
            changed[name] = data[name]
    investigation.updated_by = user
    investigation.save()
    incident_services.timeline_append(
        incident=incident,
        user=user,
        action="investigation_updated",
        payload={"fields": sorted(changed)},
        from_state=incident.state,
        to_state=incident.state,
    )
    return investigation
