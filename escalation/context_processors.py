"""The counts the top bar shows on every page (issue 12): unread inbox notifications and decisions waiting
for the user. Each is computed only if a template asks for it (a callable, cached per request)."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest

from incidents import selectors as incident_selectors

from . import selectors


def counts(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread_count() -> int:
        return selectors.unread_count(user)

    @cache
    def waiting_count() -> int:
        return incident_selectors.decisions_waiting_count(user=user)

    return {
        "unread_count": unread_count,
        "waiting_count": waiting_count,
        "waiting_count_limit": incident_selectors.WAITING_COUNT_LIMIT,
    }
