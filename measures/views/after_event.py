"""The page of Art. 18's after-event work: restore normal order, positive publicity — recorded after the
termination until the close, each with its owner, due time, countdown and, when done, its evidence."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.pages import bind_errors, dress, run_for_page
from incidents import policies
from incidents.forms import ChecklistDoneForm

from .. import selectors, services
from ..forms import AfterEventMeasureForm
from ._common import _incident, _may_write


@login_required
def after_event(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(request, incident_id)
    form = AfterEventMeasureForm(request.POST or None)
    status = 200
    if request.method == "POST":
        failed = run_for_page(
            request,
            lambda: services.after_event_record(
                incident_id=incident_id, user=request.user, data=request.POST.dict()
            ),
            _("事后工作已登记，逾期将提醒责任人。"),
            fields_shown=True,
        ).invalid
        if failed is None:
            return redirect("measures:after_event", incident_id=incident_id)
        bind_errors(form, failed)
        status = 400
    items = selectors.after_event_measures(incident=incident)
    for item in items:  # the same rule the checklist's completion applies (owner, their lead, the LG)
        item.may_complete = not item.is_done and policies.may_complete_measure(  # type: ignore[attr-defined]
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
            "may_write": _may_write(request, incident, services.AFTER_EVENT_STATES),
            "in_states": incident.state in services.AFTER_EVENT_STATES,
        },
        status=status,
    )


@login_required
@require_POST
def after_event_complete(request: HttpRequest, incident_id: int, item_id: int) -> HttpResponse:
    run_for_page(
        request,
        lambda: services.after_event_complete(item_id=item_id, user=request.user, data=request.POST.dict()),
        _("已完成，逾期提醒已停止。"),
    )
    return redirect(reverse("measures:after_event", args=[incident_id]) + f"#item-{item_id}")
