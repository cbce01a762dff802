from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import SESSION_LANGUAGE_KEY
from .models import UserPreference


@receiver(user_logged_in)
def remember_language_at_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    preference = UserPreference.objects.filter(user=user).first()
    request.session[SESSION_LANGUAGE_KEY] = preference.language if preference else "zh-hans"
