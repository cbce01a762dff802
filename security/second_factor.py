"""A second factor for decisions (issue 16; ASVS 5.0 6.3.3, 6.5, 6.6): the one place that says which
actions need it, whether a user has it fresh enough, and how a browser session or an API request proves it.

- Browser: the user enrols an authenticator app (TOTP, django-otp) on their account page and verifies a
  code on ``/security/verify/``; the session then counts as verified for ``SECOND_FACTOR_MAX_AGE_SECONDS``
  (step-up: an older verification asks again). Recovery codes (django-otp's static device) work once each.
- API: a token alone never decides. A decision request carries the current code in the ``X-OTP-Code``
  header; it is checked per request against the user's devices (a code is accepted once: replays fail).
- The admin requires a fresh verification for every page but its login and logout.
- ``SECOND_FACTOR_REQUIRED`` turns all of it off (the embedded demo); production settings turn it on and
  ``check --deploy`` warns when it is off (``security.checks``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.middleware import OTPMiddleware
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from teams import selectors as team_selectors

from . import directory

# The Leadership Group's decisions and the co-approvals of building security and head office (termination
# approvals), by action name. A decision added elsewhere (e.g. a waiver) is covered by adding its name.
DECISIONS = frozenset({"activate", "decline", "approve_termination", "reject_termination", "close", "waive"})
VERIFIED_AT = "security.otp_verified_at"
OTP_HEADER = "HTTP_X_OTP_CODE"


def is_fresh(user: Any) -> bool:
    """The user proved the second factor, recently enough (or the second factor is off, or the system acts
    on its own: a timer has no user to ask)."""
    if not settings.SECOND_FACTOR_REQUIRED or getattr(user, "pk", None) is None:
        return True
    verified_at = getattr(user, "otp_verified_at", None)
    if getattr(user, "otp_device", None) is None or verified_at is None:
        return False
    return time.time() - verified_at <= settings.SECOND_FACTOR_MAX_AGE_SECONDS


def refusal(*, user: Any, action: str) -> str | None:
    """Why ``user`` may not take the decision ``action`` now, or None. Called by the one service path."""
    if action not in DECISIONS or is_fresh(user):
        return None
    if not user_has_device(user):
        return _("此决定需要二次验证：请先在“我的账户”页绑定验证器应用。")
    if getattr(user, "otp_device", None) is not None:
        return _("距上次二次验证已超过规定时间，请重新输入验证器中的动态码。")
    return _("此决定需要二次验证：请输入验证器应用中的 6 位动态码（API：在请求头 X-OTP-Code 中提供）。")


def verify(*, user: Any, code: str) -> Any:
    """The device (authenticator or recovery codes) that accepts ``code`` for ``user``, or None. django-otp
    refuses a TOTP code used before (replay) and deletes a recovery code once used; failures throttle."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        return None
    for device in devices_for_user(user, confirmed=True, for_verify=True):
        allowed, _detail = device.verify_is_allowed()
        if allowed and device.verify_token(code):
            return device
    return None


def session_verified(request: HttpRequest, device: Any) -> None:
    """The browser session proved the second factor now."""
    otp_login(request, device)
    request.session[VERIFIED_AT] = time.time()
    request.user.otp_device = device  # type: ignore[union-attr]
    request.user.otp_verified_at = request.session[VERIFIED_AT]  # type: ignore[union-attr]


def verify_url(next_url: str) -> str:
    return f"{reverse('security:verify')}?{urlencode({'next': next_url})}"


class SecondFactorMiddleware(OTPMiddleware):
    """django-otp's middleware (``request.user.otp_device``) plus when the session last verified, and the
    admin's gate: a signed-in user reaching the admin without a fresh verification is sent to verify."""

    ADMIN_OPEN = ("login/", "logout/")

    def __call__(self, request: HttpRequest) -> HttpResponse:  # type: ignore[override]
        self._install_lazy_accessors(request)
        if settings.SECOND_FACTOR_REQUIRED and self._is_admin_page(request):
            user = request.user
            if user.is_authenticated and not is_fresh(user):
                return HttpResponseRedirect(verify_url(request.get_full_path()))
        response: HttpResponse = self.get_response(request)
        return response

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        user = super()._verify_user_sync(request, user)
        user.otp_verified_at = request.session.get(VERIFIED_AT) if user.otp_device is not None else None
        return user

    @classmethod
    def _is_admin_page(cls, request: HttpRequest) -> bool:
        prefix = reverse("admin:index")
        path = request.path_info
        return path.startswith(prefix) and not path[len(prefix) :].startswith(cls.ADMIN_OPEN)


class TokenWithSecondFactor(TokenAuthentication):
    """DRF's token authentication, refused for a directory user the directory no longer has (the token is
    revoked); a request that carries ``X-OTP-Code`` is verified for this request only
    (a token never stays verified). A wrong or replayed code is answered 401 with the reason."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        """DRF's token lookup (same refusals), with the user's roles in the organisation read in the same
        query (``teams.selectors.actor_sql``): the list API's role lookup was a query of its own on every
        request (issue 12 profile)."""
        token_model: Any = self.get_model()
        user_model = get_user_model()
        token_fields = [field.attname for field in token_model._meta.concrete_fields]
        user_fields = [field.attname for field in user_model._meta.concrete_fields]
        with connection.cursor() as cursor:
            cursor.execute(_token_sql(token_model, user_model), {"key": key, "now": timezone.now()})
            row = cursor.fetchone()
        split, end = len(token_fields), len(token_fields) + len(user_fields)
        user = None if row is None else user_model.from_db(connection.alias, user_fields, row[split:end])
        if user is None or not user.is_active:
            return super().authenticate_credentials(key)  # refused: DRF's own refusal, in DRF's words
        token = token_model.from_db(connection.alias, token_fields, row[:split])
        token.user = user
        team_selectors.remember_actor(user, row[end:])
        return user, token

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        if not directory.still_in_directory(user):
            directory.end_access(user=user, request=request._request)
            raise exceptions.AuthenticationFailed(_("目录中已没有此账户，令牌已吊销。"))
        code = request.META.get(OTP_HEADER)
        if not code:
            return result
        device = verify(user=user, code=code)
        if device is None:
            raise exceptions.AuthenticationFailed(_("动态码无效或已被使用。"))
        user.otp_device = device
        user.otp_verified_at = time.time()
        return user, token


@lru_cache(maxsize=4)
def _token_sql(token_model: Any, user_model: Any) -> str:
    """The token, its user and the user's actor columns, by key."""
    quote = connection.ops.quote_name

    def columns(alias: str, model: Any) -> str:
        return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)

    return (
        f"SELECT {columns('t', token_model)}, {columns('u', user_model)}, actor.*"
        f" FROM {quote(token_model._meta.db_table)} t"
        f" JOIN {quote(user_model._meta.db_table)} u ON u.{quote(user_model._meta.pk.column)} = t.user_id"
        f" CROSS JOIN LATERAL ({team_selectors.actor_sql('u.' + quote(user_model._meta.pk.column))}) actor"
        f" WHERE t.{quote(token_model._meta.pk.column)} = %(key)s"
    )


def require_fresh(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorator for a page that changes the second factor itself (re-enrol, new recovery codes)."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if user_has_device(request.user) and not is_fresh(request.user):
            return HttpResponseRedirect(verify_url(request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapped
