"""Directory sign-in settings (django-auth-ldap), built from the environment in one function so the tests
build them the same way for their own slapd. Off unless ``LDAP_SERVER_URI`` is set (the embedded run)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ldap
from django_auth_ldap.config import ActiveDirectoryGroupType, GroupOfNamesType, LDAPSearch

LDAP_BACKEND = "django_auth_ldap.backend.LDAPBackend"


def ldap_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The ``AUTH_LDAP_*`` settings and the desk's ``LDAP_*`` role mapping; ``{}`` when the directory is off.

    ``LDAP_SERVER_URI`` (``ldap://dc.bank:389`` or ``ldaps://…``), ``LDAP_BIND_DN`` / ``LDAP_BIND_PASSWORD``
    (a read-only service account), ``LDAP_USER_BASE`` and ``LDAP_USER_FILTER`` (OpenLDAP ``(uid=%(user)s)``;
    Active Directory ``(&(sAMAccountName=%(user)s)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))`` so a
    disabled account is not found), ``LDAP_GROUP_BASE`` and ``LDAP_GROUP_TYPE`` (``groupOfNames`` or
    ``activeDirectory``), ``LDAP_AUDITOR_GROUP`` / ``LDAP_INTEGRATOR_GROUP`` (group DNs → the desk's roles),
    ``LDAP_START_TLS`` (1 with ``ldap://``), ``LDAP_RECHECK_SECONDS`` (0: every request)."""
    uri = env.get("LDAP_SERVER_URI", "")
    if not uri:
        return {"LDAP_ENABLED": False}
    group_type = env.get("LDAP_GROUP_TYPE", "groupOfNames")
    return {
        "LDAP_ENABLED": True,
        "AUTH_LDAP_SERVER_URI": uri,
        "AUTH_LDAP_BIND_DN": env.get("LDAP_BIND_DN", ""),
        "AUTH_LDAP_BIND_PASSWORD": env.get("LDAP_BIND_PASSWORD", ""),
        "AUTH_LDAP_START_TLS": env.get("LDAP_START_TLS", "0") in {"1", "true", "yes", "on"},
        "AUTH_LDAP_CONNECTION_OPTIONS": {ldap.OPT_REFERRALS: 0, ldap.OPT_NETWORK_TIMEOUT: 5},
        "AUTH_LDAP_USER_SEARCH": LDAPSearch(
            env.get("LDAP_USER_BASE", ""), ldap.SCOPE_SUBTREE, env.get("LDAP_USER_FILTER", "(uid=%(user)s)")
        ),
        "AUTH_LDAP_GROUP_SEARCH": LDAPSearch(
            env.get("LDAP_GROUP_BASE", env.get("LDAP_USER_BASE", "")), ldap.SCOPE_SUBTREE, "(objectClass=*)"
        ),
        "AUTH_LDAP_GROUP_TYPE": ActiveDirectoryGroupType()
        if group_type == "activeDirectory"
        else GroupOfNamesType(),
        "AUTH_LDAP_USER_ATTR_MAP": {"first_name": "givenName", "last_name": "sn", "email": "mail"},
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        "LDAP_AUDITOR_GROUP": env.get("LDAP_AUDITOR_GROUP", ""),
        "LDAP_INTEGRATOR_GROUP": env.get("LDAP_INTEGRATOR_GROUP", ""),
        "LDAP_RECHECK_SECONDS": int(env.get("LDAP_RECHECK_SECONDS", "0")),
    }


def backends(enabled: bool) -> list[str]:
    """Axes first (it refuses a locked-out client before any password is checked), then the directory,
    then local accounts (break-glass and the demo)."""
    local = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
    return [local[0], LDAP_BACKEND, local[1]] if enabled else local
