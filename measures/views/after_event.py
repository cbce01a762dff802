"""The page of Art. 18's after-event work: restore normal order, positive publicity — recorded after the
termination until the close, each with its owner, due time, countdown and, when done, its evidence."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import errors as refusals
from core.errors import Forbidden
from core.pages import dress, form_page, run_for_page
from incidents import policies
from incidents.forms import ChecklistDoneForm
from incidents.models import Incident

from .. import selectors, services
from ..forms import AfterEventMeasureForm
from ._common import _incident, _may_write


@login_required
def after_event(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(request, incident_id)
    if request.method != "POST":
        return _after_event_page(request, incident, AfterEventMeasureForm())
    form = AfterEventMeasureForm(request.POST or None)
    return form_page(
        request,
        lambda: services.after_event_record(
            incident_id=incident_id, user=request.user, data=request.POST.dict()
        ),
        _("事后工作已登记，逾期将提醒责任人。"),
        form=form,
        done=reverse("measures:after_event", args=[incident_id]),
        page=lambda status: _after_event_page(request, incident, form, status),
        refused=lambda outcome: (
            _after_event_page(request, incident, form, 403)
            if isinstance(outcome.refusal, Forbidden)
            else None
        ),
    )


def _after_event_page(
    request: HttpRequest, incident: Incident, form: AfterEventMeasureForm, status: int = 200
) -> HttpResponse:
    items = selectors.after_event_measures(incident=incident)
    for item in items:  # the same rule the checklist's completion applies (owner, their lead, the LG)
        item.may_complete = item.is_open and policies.may_complete_measure(  # type: ignore[attr-defined]
            incident, item, request.user
        )
    return render(
        request,
        "measures/after_event.html",
        {
            "incident": incident,
            "form": dress(form),
            "done_form": dress(ChecklistDoneForm()),
            "items": items,
            "now": timezone.now(),
            "may_write": _may_write(
                request, incident, services.AFTER_EVENT_STATES, check=policies.may_direct_response
            ),
            "in_states": incident.state in services.AFTER_EVENT_STATES,
        },
        status=status,
    )


@login_required
@require_POST
def after_event_complete(request: HttpRequest, incident_id: int, item_id: int) -> HttpResponse:
    # the incident as this user may see it, and an after-event item of that incident — else 404
    incident = _incident(request, incident_id)
    if not any(item.pk == item_id for item in selectors.after_event_measures(incident=incident)):
        raise Http404(refusals.not_found_message())
    run_for_page(
        request,
        lambda: services.after_event_complete(item_id=item_id, user=request.user, data=request.POST.dict()),
        _("已完成，逾期提醒已停止。"),
    )
    return redirect(reverse("measures:after_event", args=[incident_id]) + f"#item-{item_id}")
