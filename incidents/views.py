from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from teams import selectors as team_selectors

from . import selectors
from .models import OPEN_STATES


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The supervisor's home: what is open now, and who is in the emergency organisation."""
    open_incidents = selectors.incident_list(user=request.user).filter(state__in=OPEN_STATES)[:50]
    return render(
        request,
        "incidents/home.html",
        {
            "open_incidents": open_incidents,
            "teams": team_selectors.teams_with_members(),
            "parties": team_selectors.parties_with_people(),
        },
    )
