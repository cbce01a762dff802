from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """站内信: the signed-in user's notifications, newest first, 50 a page (two queries whatever the page)."""
    page = Paginator(selectors.inbox_for(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request, "escalation/inbox.html", {"page": page, "unread": selectors.unread_count(request.user)}
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.notification_mark_read(user=request.user, notification_id=pk)
    return redirect("escalation:inbox")
