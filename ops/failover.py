"""While the database switches (a primary restarting, a replica being promoted) a request answers 503 with
a ``Retry-After`` hint — never a 500 page. Django's ``CONN_HEALTH_CHECKS`` plus libpq's multi-host
``target_session_attrs=read-write`` then find the new primary on the next request."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, close_old_connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DATABASE_SWITCH_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def is_database_switch(exc: BaseException | None) -> bool:
    """A lost or refused connection, a read-only standby, a server shutting down: all OperationalError /
    InterfaceError (psycopg2's are mapped to Django's)."""
    return isinstance(exc, DATABASE_SWITCH_ERRORS)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    close_old_connections()  # drop the broken connection now; the next request opens a fresh one
    message = _("数据库正在切换，请稍后重试。")
    if request.path_info.startswith("/api/") or request.path_info.startswith("/healthz"):
        response: HttpResponse = JsonResponse({"status": "unavailable", "detail": message}, status=503)
    else:
        html: str
        try:
            html = render_to_string("503.html", {"message": message, "retry_after": RETRY_AFTER_SECONDS})
        except Exception:  # noqa: BLE001 - a template that itself needs the database must not 500
            html = f"<!doctype html><title>503</title><h1>503</h1><p>{message}</p>"
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def unavailable_if_database_switch(request: HttpRequest) -> HttpResponse | None:
    """For ``handler500``: Django calls it inside its ``except`` block, so ``sys.exc_info`` names the
    exception even when it was raised by a middleware rather than the view."""
    if is_database_switch(sys.exc_info()[1]):
        return database_unavailable(request)
    return None


class DatabaseSwitchMiddleware:
    """Turns a database-switch error raised by a view into 503 + Retry-After (with DEBUG on as well)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_switch(exception):
            logger.warning("database unavailable during %s %s: %s", request.method, request.path, exception)
            return database_unavailable(request)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database switch is a 503 with a retry hint; anything else is the usual 500."""
    from security.api.errors import server_error as plain_server_error

    return unavailable_if_database_switch(request) or plain_server_error(request)
