"""Pages of the sudden-event plan's measures: the A/B roster (Art. 14 (1)) and the evacuation roll call
(Art. 14 (3))."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import Conflict, Forbidden
from core.pages import dress, form_page, refusal_line, run_for_page
from incidents import policies
from incidents.models import Incident

from .. import selectors, services
from ..forms import (
    RollCallCloseForm,
    RollCallStartForm,
    RosterForm,
    SecondLineForm,
)
from ..models import RollCallEntry
from ._common import _incident, _may_write

# --- A/B rotation roster (Art. 14 (1)) ---------------------------------------------------------------


def _roster_page(
    request: HttpRequest,
    incident_id: int,
    form: RosterForm | None = None,
    second_line_form: SecondLineForm | None = None,
    status: int = 200,
) -> HttpResponse:
    incident = _incident(request, incident_id)
    current = selectors.latest_roster(incident=incident)
    moves = selectors.front_line_moves(incident=incident)
    # Art. 14 (1): a second-line person moved to the front serves there for this incident; an ended move
    # shows beside their own line
    move_of: dict[int, Any] = {}
    for each in moves:  # newest first: the latest move of each person
        move_of.setdefault(each.person_id, each)
    groups: dict[str, list[Any]] = {"A": [], "B": []}
    if current is not None:
        for assignment in current.ordered_assignments:  # type: ignore[attr-defined]
            move = move_of.get(assignment.person_id)
            assignment.move = move
            assignment.serving_line = "first" if move is not None and move.is_active else assignment.line
            groups[assignment.group].append(assignment)
    balance = {
        g: {
            "first": sum(1 for a in groups[g] if a.serving_line == "first"),
            "second": sum(1 for a in groups[g] if a.serving_line == "second"),
            "total": len(groups[g]),
        }
        for g in groups
    }
    may_write = _may_write(request, incident)
    second_line_form = second_line_form or SecondLineForm()
    people = second_line_form.fields["people"]
    # who is on the front line for this incident already is not offered again
    people.queryset = people.queryset.exclude(  # type: ignore[attr-defined]
        pk__in=[move.person_id for move in moves if move.is_active]
    )
    return render(
        request,
        "measures/roster.html",
        {
            "incident": incident,
            "form": dress(form or RosterForm()),
            "second_line_form": (
                dress(second_line_form)
                if _may_write(request, incident, check=policies.may_direct_response)
                else None
            ),
            "roster": current,
            "groups": groups,
            "balance": balance,
            "moves": moves,
            "schedule": current.schedule(periods=6) if current else [],
            "may_write": may_write,
        },
        status=status,
    )


@login_required
def roster(request: HttpRequest, incident_id: int) -> HttpResponse:
    if request.method != "POST":
        return _roster_page(request, incident_id)
    _incident(request, incident_id)
    form = RosterForm(request.POST)
    return form_page(
        request,
        lambda: services.roster_generate(
            incident_id=incident_id, user=request.user, data=request.POST.dict()
        ),
        _("A/B轮换排班已生成。"),
        form=form,
        done=reverse("measures:roster", args=[incident_id]),
        page=lambda status: _roster_page(request, incident_id, form=form, status=status),
    )


@login_required
@require_POST
def second_line_move(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Art. 14 (1): move named second-line people to the front line for this incident."""
    _incident(request, incident_id)
    form = SecondLineForm(request.POST)
    return form_page(
        request,
        lambda: services.second_line_move(incident_id=incident_id, user=request.user, data=request.POST),
        _("已将所选二线人员调入一线（本事件期间）。"),
        form=form,
        done=reverse("measures:roster", args=[incident_id]) + "#second-line",
        page=lambda status: _roster_page(request, incident_id, second_line_form=form, status=status),
        # the reason is on the page, as a refusal
        refused=lambda outcome: (
            _roster_page(request, incident_id, status=403) if isinstance(outcome.refusal, Forbidden) else None
        ),
    )


# --- evacuation roll call (Art. 14 (3)) --------------------------------------------------------------


def _roll_call_context(
    request: HttpRequest,
    incident: Incident,
    close_form: RollCallCloseForm | None = None,
    start_form: RollCallStartForm | None = None,
) -> dict[str, Any]:
    current = selectors.roll_call_current(incident=incident)
    return {
        "incident": incident,
        "roll_call": current,
        "counts": selectors.roll_call_counts(roll_call=current) if current else None,
        # the phone shows the long label short (the button's aria-label keeps the whole of it)
        "statuses": [
            {
                "value": value,
                "label": label,
                "short": _("不在岗") if value == RollCallEntry.Status.ABSENT else "",
            }
            for value, label in RollCallEntry.Status.choices
            if value != RollCallEntry.Status.UNKNOWN
        ],
        "may_write": _may_write(request, incident, services.ROLL_CALL_STATES),
        "may_update_missing": _may_write(request, incident, services.MISSING_UPDATE_STATES),
        "start_form": start_form or RollCallStartForm(),
        "close_form": dress(close_form or RollCallCloseForm()),
    }


def _roll_call_page(request: HttpRequest, incident: Incident, status: int, **bound: Any) -> HttpResponse:
    context = _roll_call_context(request, incident, **bound)
    return render(request, "measures/roll_call.html", context, status=status)


@login_required
def roll_call(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(request, incident_id)
    if request.method != "POST":
        return render(request, "measures/roll_call.html", _roll_call_context(request, incident))
    form = RollCallStartForm(request.POST)
    return form_page(
        request,
        lambda: services.roll_call_start(
            incident_id=incident_id, user=request.user, data=request.POST.dict()
        ),
        _("撤离点名已开始。"),
        form=form,
        done=reverse("measures:roll_call", args=[incident_id]),
        page=lambda status: _roll_call_page(request, incident, status, start_form=form),
    )


@login_required
def roll_call_partial(request: HttpRequest, incident_id: int) -> HttpResponse:
    """The live count, polled by htmx while people are being accounted for."""
    incident = _incident(request, incident_id)
    return render(request, "measures/partials/_roll_call.html", _roll_call_context(request, incident))


@login_required
@require_POST
def roll_call_mark(request: HttpRequest, incident_id: int, entry_id: int) -> HttpResponse:
    """Mark one person. No flash message on success — the row itself shows the new status (eight marks
    used to pile up eight "已确认。" banners); a refusal is shown beside that person's row."""
    outcome = run_for_page(
        request,
        lambda: services.roll_call_mark(entry_id=entry_id, user=request.user, data=request.POST.dict()),
        quiet=True,
    )
    refusal = outcome.invalid or outcome.refusal
    if refusal is None and not request.headers.get("HX-Request"):
        return redirect(reverse("measures:roll_call", args=[incident_id]) + f"#entry-{entry_id}")
    incident = _incident(request, incident_id)
    context = _roll_call_context(request, incident)
    context["row_error"] = {"entry": entry_id, "text": refusal_line(refusal)} if refusal else None
    if request.headers.get("HX-Request"):
        # htmx swaps only 2xx answers: the refusal comes back as the list with the error beside the row
        return render(request, "measures/partials/_roll_call.html", context)
    status = 409 if isinstance(refusal, Conflict) else 403 if isinstance(refusal, Forbidden) else 400
    return render(request, "measures/roll_call.html", context, status=status)


@login_required
@require_POST
def roll_call_close(request: HttpRequest, incident_id: int, roll_call_id: int) -> HttpResponse:
    """Closing with anyone 失联 needs the confirmation and a reason; refused, the page comes back with the
    errors beside the fields (and what was typed kept)."""
    form = RollCallCloseForm(request.POST)
    return form_page(
        request,
        lambda: services.roll_call_close(
            roll_call_id=roll_call_id, user=request.user, data=request.POST.dict()
        ),
        _("撤离点名已结束。"),
        form=form,
        done=reverse("measures:roll_call", args=[incident_id]),
        page=lambda status: _roll_call_page(
            request, _incident(request, incident_id), status, close_form=form
        ),
    )
