"""Turn the services' refusals into the API contract's answers: 400 field errors, 403 reason, 404, 409 with
the current state. Anything else is DRF's default handling — a bad request never becomes a 500."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import Conflict, IncidentError


def field_errors(detail: Any) -> dict[str, list[str]]:
    """Django's ``errors.get_json_data()`` shape → ``{field: [message, ...]}``."""
    if not isinstance(detail, dict):
        return {}
    return {
        field: [item["message"] if isinstance(item, dict) else str(item) for item in items]
        for field, items in detail.items()
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, IncidentError):
        body: dict[str, Any] = {"detail": exc.message}
        if exc.detail:
            body["errors"] = field_errors(exc.detail)
        if isinstance(exc, Conflict):
            body["current_state"] = exc.current_state
        return Response(body, status=exc.status)
    return drf_exception_handler(exc, context)
