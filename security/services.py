"""Security writes: record a security event, end a user's sessions, record a read."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.models import Session
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from .models import ReadRecord, SecurityEvent

logger = logging.getLogger("security")


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from. Behind a proxy, set the proxy's address handling in the proxy and
    gunicorn's ``--forwarded-allow-ips``; we never trust a client-supplied X-Forwarded-For here."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def security_event_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    user: Any = None,
    username: str = "",
    status: int | None = None,
    detail: str = "",
) -> SecurityEvent:
    """One row in ``SecurityEvent`` and one line in the ``security`` log: who, what, when (UTC), where."""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if user is not None and not username:
        username = user.get_username()
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=(username or "")[:150],
        ip_address=client_ip(request),
        method=(request.method or "")[:10] if request is not None else "",
        path=request.get_full_path()[:500] if request is not None else "",
        status=status,
        detail=detail[:2000],
    )
    logger.warning(
        "security_event kind=%s user=%s ip=%s method=%s path=%s status=%s at=%s detail=%s",
        event.kind,
        event.username or "-",
        event.ip_address or "-",
        event.method or "-",
        event.path or "-",
        event.status if event.status is not None else "-",
        event.at.astimezone(UTC).isoformat(),
        detail or "-",
    )
    return event


def user_session_keys(*, user: AbstractBaseUser) -> list[str]:
    """Keys of the user's unexpired browser sessions (the session table is small: sessions live ≤ 10 h)."""
    user_id = str(user.pk)
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == user_id:
            keys.append(session.session_key)
    return keys


def user_sessions_end(
    *, user: AbstractBaseUser, reason: str, request: HttpRequest | None = None, revoke_token: bool = True
) -> int:
    """End every browser session of ``user`` (and revoke their API token): the account is disabled, or an
    administrator ended them (ASVS 7.4.2, 7.4.5). Returns how many sessions were ended."""
    keys = user_session_keys(user=user)
    Session.objects.filter(session_key__in=keys).delete()
    tokens = Token.objects.filter(user_id=user.pk).delete()[0] if revoke_token else 0
    security_event_record(
        kind=SecurityEvent.Kind.SESSIONS_ENDED,
        request=request,
        user=user,
        detail=f"{reason}; sessions={len(keys)} tokens={tokens}",
    )
    return len(keys)


def read_record(
    *,
    request: HttpRequest | None,
    user: Any,
    kind: str,
    target: str,
    incident_id: int | None = None,
    reason: str = "",
) -> ReadRecord:
    """One row of the read log (append-only): who read what, when, from where, and why when they said."""
    return ReadRecord.objects.create(
        kind=kind,
        user=user if getattr(user, "pk", None) else None,
        username=user.get_username()[:150] if user is not None else "",
        ip_address=client_ip(request),
        incident_id=incident_id,
        target=target[:200],
        path=request.get_full_path()[:500] if request is not None else "",
        reason=reason[:2000],
    )
