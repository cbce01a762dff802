"""Directory sign-in (issue 16) against a real OpenLDAP slapd on loopback: sign in with a directory account,
groups → roles, a user removed from the directory is refused at the next request (sessions and token end),
wrong passwords and the lockout as for local accounts (django-axes)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.ldap import backends, ldap_settings
from security.models import DirectoryAccount
from teams.selectors import actor_for

from .slapd import AUDITORS_DN, PASSWORD, SUFFIX, Slapd

pytestmark = [pytest.mark.django_db, pytest.mark.ldap]


@pytest.fixture(scope="module")
def slapd():
    server = Slapd().start()
    yield server
    server.stop()


@pytest.fixture
def directory(slapd, settings, org):
    for name, value in ldap_settings(slapd.environment()).items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = backends(True)
    return slapd


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_sign_in_with_a_directory_account(directory, client):
    response = sign_in(client, "zhang.san")
    assert response.status_code == 302 and response["Location"] == "/"
    user = get_user_model().objects.get(username="zhang.san")
    assert (user.first_name, user.last_name, user.email) == ("San", "Zhang", "zhang.san@bank.test")
    assert not user.has_usable_password()  # the password lives in the directory only
    assert DirectoryAccount.objects.get(user=user).dn == f"uid=zhang.san,ou=people,{SUFFIX}"
    assert client.get("/").status_code == 200


def test_directory_groups_map_to_the_desk_roles(directory, client):
    sign_in(client, "li.si")
    assert actor_for(get_user_model().objects.get(username="li.si")).is_auditor
    sign_in(APIClient(), "feed.bot")
    token = APIClient().post("/api/v1/auth/token/", {"username": "feed.bot", "password": PASSWORD})
    assert token.status_code == 200
    bot = get_user_model().objects.get(username="feed.bot")
    assert actor_for(bot).is_integrator and not actor_for(bot).is_auditor
    # Removed from the auditors' group in the directory: no longer an auditor at the next request.
    directory.modify(
        f"dn: {AUDITORS_DN}\nchangetype: modify\ndelete: member\nmember: uid=li.si,ou=people,{SUFFIX}\n"
    )
    try:
        assert client.get("/").status_code == 200
        assert not actor_for(get_user_model().objects.get(username="li.si")).is_auditor
    finally:
        directory.modify(
            f"dn: {AUDITORS_DN}\nchangetype: modify\nadd: member\nmember: uid=li.si,ou=people,{SUFFIX}\n"
        )


def test_a_user_removed_from_the_directory_is_refused_at_the_next_request(directory, client):
    from .slapd import person

    assert sign_in(client, "zhang.san").status_code == 302
    api = APIClient()
    key = api.post("/api/v1/auth/token/", {"username": "zhang.san", "password": PASSWORD}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 200
    directory.remove(f"uid=zhang.san,ou=people,{SUFFIX}")
    try:
        page = client.get("/")
        assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
        assert api.get("/api/v1/me/").status_code == 401
        assert not Token.objects.filter(key=key).exists()
        assert sign_in(client, "zhang.san").status_code == 200  # the login form again, with an error
    finally:
        directory.ldap("ldapadd", input_text=person("zhang.san", "San", "Zhang"))


def test_wrong_passwords_lock_out_as_for_local_accounts(directory, client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _attempt in range(2):
        assert sign_in(client, "zhang.san", "wrong-password").status_code == 200
    assert sign_in(client, "zhang.san", "wrong-password").status_code == 429
    assert sign_in(client, "zhang.san").status_code == 429  # locked: even the right password waits
    assert sign_in(client, "gm", "demo-pass-2026").status_code == 302  # local break-glass accounts still work


def test_a_user_disabled_in_the_directory_is_refused_at_the_next_request(directory, client, settings):
    """Active Directory marks a disabled account in userAccountControl; the bank's user filter excludes it.
    Here the same shape on OpenLDAP: the filter excludes entries whose ``description`` is ``disabled``."""
    settings.AUTH_LDAP_USER_SEARCH = ldap_settings(
        {**directory.environment(), "LDAP_USER_FILTER": "(&(uid=%(user)s)(!(description=disabled)))"}
    )["AUTH_LDAP_USER_SEARCH"]
    assert sign_in(client, "li.si").status_code == 302
    dn = f"uid=li.si,ou=people,{SUFFIX}"
    directory.modify(f"dn: {dn}\nchangetype: modify\nadd: description\ndescription: disabled\n")
    try:
        page = client.get("/")
        assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
        assert sign_in(client, "li.si").status_code == 200  # refused at sign-in too
    finally:
        directory.modify(f"dn: {dn}\nchangetype: modify\ndelete: description\n")
