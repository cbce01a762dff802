from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from incidents import selectors as incident_selectors

from . import acks, selectors, services


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


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """One click in the inbox: 确认收到 (every channel of that message to me)."""
    if acks.acknowledge_in_inbox(user=request.user, notification_id=pk):
        messages.success(request, _("已确认收到。"))
    else:
        messages.info(request, _("这条通知已确认过。"))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("escalation:inbox")


def ack_link(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link from an e-mail / SMS / robot text. GET shows what will be acknowledged (mail scanners
    that prefetch links acknowledge nothing); POST acknowledges, once. Needs no login: the link is signed."""
    try:
        if request.method == "POST":
            notification = acks.acknowledge_by_link(token=token)
            return _ack_page(request, {"done": True, "notification": notification})
        notification = acks.notification_for_link(token)
    except acks.LinkRefused as refused:
        return _ack_page(
            request, {"refused": refused.reason, "notification": refused.notification}, status=refused.status
        )
    return _ack_page(request, {"notification": notification})


def _ack_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """A reader who is not signed in reads the page in the language the message was written in (issue 12);
    a signed-in one in their own."""
    notification = context.get("notification")
    if request.user.is_authenticated or notification is None:
        return render(request, "escalation/ack_link.html", context, status=status)
    with translation.override(notification.language):
        response = render(request, "escalation/ack_link.html", context, status=status)
        response["Content-Language"] = notification.language
    return response


@login_required
def incident_messages(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Who was told, on which channel, delivered or failed, acknowledged by whom and when — for the
    incident page (loaded into it by htmx) and printable on its own."""
    incident = incident_selectors.incident_detail(user=request.user, incident_id=incident_id)
    if incident is None:
        raise Http404(_("事件不存在。"))
    rows = list(selectors.messages_of(incident=incident))
    return render(
        request,
        "escalation/partials/_messages.html",
        {
            "incident": incident,
            "rows": rows,
            "base_template": (
                "escalation/partials/_bare.html" if request.headers.get("HX-Request") else "base.html"
            ),
        },
    )
