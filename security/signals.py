"""Cross-cutting security reactions: failed logins are recorded, lockouts too, a disabled account loses
its sessions at once, a login starts the session clocks."""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from . import services
from .middleware import SESSION_SEEN, SESSION_STARTED
from .models import SecurityEvent

User = get_user_model()


@receiver(user_logged_in)
def start_session_clocks(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now


@receiver(user_login_failed)
def record_login_failure(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    services.security_event_record(
        kind=SecurityEvent.Kind.LOGIN_FAILED,
        request=getattr(request, "_request", request),
        username=str(credentials.get("username", "")),
        detail="wrong credentials, inactive account or locked out",
    )


@receiver(user_locked_out)
def record_lockout(
    sender: Any, request: Any, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    services.security_event_record(
        kind=SecurityEvent.Kind.LOCKED_OUT,
        request=getattr(request, "_request", request),
        username=username or "",
        status=429,
        detail=f"too many failed logins; cool-off applies (ip={ip_address})",
    )


@receiver(pre_save, sender=User)
def remember_was_active(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.pk and not instance.is_active:
        instance._security_was_active = (
            User.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first() is True
        )


@receiver(post_save, sender=User)
def end_sessions_of_disabled_account(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if getattr(instance, "_security_was_active", False):
        instance._security_was_active = False
        services.user_sessions_end(user=instance, reason="account disabled")
