"""What every measures page shares: the incident it is about and whether the viewer may write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest

from core import errors as refusals
from incidents import policies
from incidents import selectors as incident_selectors
from incidents.models import Incident

from .. import services


def _incident(request: HttpRequest, incident_id: int) -> Incident:
    incident = incident_selectors.incident_detail(user=request.user, incident_id=incident_id)
    if incident is None:
        raise Http404(refusals.not_found_message())
    return incident


def _may_write(
    request: HttpRequest,
    incident: Incident,
    states: tuple[str, ...] = services.MEASURE_STATES,
    check: Callable[[Incident, Any], bool] = policies.may_act_on,
) -> bool:
    return check(incident, request.user) and incident.state in states
