"""Directory accounts (issue 16; ASVS 5.0 6.8, 7.4): the bank's directory decides who may sign in and with
which desk roles; an account removed or disabled there loses its sessions and its API token at the next
request. Settings: ``config/ldap.py``; off (and free) unless ``LDAP_SERVER_URI`` is set."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import Group
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_auth_ldap.backend import LDAPBackend, populate_user

from teams.roles import AUDITOR_GROUP, INTEGRATOR_GROUP
from teams.selectors import forget_actor

from . import services
from .models import DirectoryAccount


@receiver(populate_user)
def map_directory_groups(sender: Any, user: Any, ldap_user: Any, **kwargs: Any) -> None:
    """At sign-in and at each re-check: directory groups → the desk's roles (auditor, integrator). Membership
    of the emergency organisation stays in the desk and matches people by username (teams.Person.user)."""
    if user.pk is None:
        user.save()
    DirectoryAccount.objects.update_or_create(
        user=user, defaults={"dn": ldap_user.dn, "confirmed_at": timezone.now()}
    )
    member_of = {dn.lower() for dn in ldap_user.group_dns}
    for group_name, setting in (
        (AUDITOR_GROUP, "LDAP_AUDITOR_GROUP"),
        (INTEGRATOR_GROUP, "LDAP_INTEGRATOR_GROUP"),
    ):
        group_dn = getattr(settings, setting, "")
        if not group_dn:
            continue
        group, _created = Group.objects.get_or_create(name=group_name)
        if group_dn.lower() in member_of:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    forget_actor(user)


def still_in_directory(user: Any) -> bool:
    """False when ``user`` signs in with the directory and the directory no longer has them (removed, or
    disabled where the user filter excludes disabled accounts). Re-checked at most every
    ``LDAP_RECHECK_SECONDS`` (0: every request). A directory that does not answer counts as "no": directory
    users are refused until it answers again; local break-glass accounts still sign in."""
    if not getattr(settings, "LDAP_ENABLED", False) or not getattr(user, "pk", None):
        return True
    account = DirectoryAccount.objects.filter(user_id=user.pk).first()
    if account is None:
        return True
    recheck = timedelta(seconds=getattr(settings, "LDAP_RECHECK_SECONDS", 0))
    if recheck and timezone.now() - account.confirmed_at < recheck:
        return True
    return LDAPBackend().populate_user(user.get_username()) is not None


def end_access(*, user: Any, request: HttpRequest | None) -> None:
    services.user_sessions_end(user=user, reason="directory account removed or disabled", request=request)


class DirectoryAccountMiddleware:
    """A browser session of a directory user the directory no longer has ends here (and all their other
    sessions and their token); the request continues signed out, so the page asks to sign in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(settings, "LDAP_ENABLED", False):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and not still_in_directory(user):
                end_access(user=user, request=request)
                logout(request)
        return self.get_response(request)
