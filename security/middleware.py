"""Session lifetime (ASVS 7.3) and the log of refused requests (ASVS 7.2 / 8.1)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse

from . import services
from .models import SecurityEvent

SESSION_STARTED = "security.started"
SESSION_SEEN = "security.seen"
# Touch the "last seen" mark at most once a minute, so an active user does not write the session on every
# request; the idle timeout is therefore exact to within a minute.
SEEN_RESOLUTION_SECONDS = 60


class SessionLifetimeMiddleware:
    """End a browser session that has been idle longer than ``SESSION_IDLE_TIMEOUT_SECONDS`` or has lived
    longer than ``SESSION_ABSOLUTE_TIMEOUT_SECONDS`` since login, whatever the user keeps doing.

    Goes after ``AuthenticationMiddleware``. Requests without a signed-in session (API tokens, anonymous)
    pass through untouched and cost nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            now = int(time.time())
            started = session.get(SESSION_STARTED, now)
            seen = session.get(SESSION_SEEN, now)
            idle = now - seen > settings.SESSION_IDLE_TIMEOUT_SECONDS
            too_old = now - started > settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS
            if idle or too_old:
                user = request.user
                services.security_event_record(
                    kind=SecurityEvent.Kind.SESSION_EXPIRED,
                    request=request,
                    user=user,
                    detail="idle timeout" if idle else "absolute lifetime",
                )
                logout(request)
            else:
                if SESSION_STARTED not in session:
                    session[SESSION_STARTED] = now
                if SESSION_SEEN not in session or now - seen >= SEEN_RESOLUTION_SECONDS:
                    session[SESSION_SEEN] = now
        return self.get_response(request)


class SecurityEventMiddleware:
    """Record every 401 and 403 answered anywhere (pages, API, CSRF failures, others' apps): who asked for
    what, when, from where. Refusals are therefore logged in one place, not in each view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in (401, 403):
            user = getattr(request, "user", None)
            authenticated = bool(user is not None and user.is_authenticated)
            services.security_event_record(
                kind=SecurityEvent.Kind.FORBIDDEN if authenticated else SecurityEvent.Kind.NOT_AUTHENTICATED,
                request=request,
                user=user if authenticated else None,
                status=response.status_code,
                detail=_reason(response),
            )
        return response


def _reason(response: HttpResponse) -> str:
    data = getattr(response, "data", None)
    if isinstance(data, dict) and "detail" in data:
        return str(data["detail"])
    return response.reason_phrase or ""
