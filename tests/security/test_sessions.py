"""Sessions (ASVS 7): a new session key at login, idle timeout, absolute lifetime, sessions ended when the
account is disabled or by an administrator — each refusal written to the security log."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from rest_framework.authtoken.models import Token

from security import services
from security.middleware import SESSION_SEEN, SESSION_STARTED
from security.models import SecurityEvent

pytestmark = pytest.mark.django_db
PASSWORD = "demo-pass-2026"


def _login(client, username: str) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content


def _signed_in(client) -> bool:
    return client.get("/api/v1/incidents/").status_code == 200


def _age_session(client, **shift_seconds: int) -> None:
    session = client.session
    for key, seconds in shift_seconds.items():
        session[{"started": SESSION_STARTED, "seen": SESSION_SEEN}[key]] -= seconds
    session.save()


def test_login_issues_a_new_session_key(client, org):
    client.get("/accounts/login/")
    client.session["pre_login"] = True
    session = client.session
    session.save()
    before = session.session_key
    _login(client, "gm")
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_idle_session_ends_after_the_idle_timeout(client, org, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 600
    _login(client, "gm")
    _age_session(client, seen=599)
    assert _signed_in(client)
    _age_session(client, seen=601)
    assert not _signed_in(client)
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SESSION_EXPIRED).get()
    assert (event.username, event.detail) == ("gm", "idle timeout")


def test_active_session_still_ends_at_its_absolute_lifetime(client, org, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS = 3600
    _login(client, "gm")
    _age_session(client, started=3601)  # active all along: "seen" is fresh
    assert not _signed_in(client)
    assert SecurityEvent.objects.filter(kind="session_expired", detail="absolute lifetime").exists()


def test_activity_moves_the_idle_clock(client, org, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 600
    _login(client, "gm")
    _age_session(client, seen=500)
    assert _signed_in(client)  # this request counts as activity
    assert int(time.time()) - client.session[SESSION_SEEN] < 5


def test_disabling_an_account_ends_its_sessions_and_token(client, org, api):
    _login(client, "agent")
    token_client = api("agent")
    assert _signed_in(client)
    agent = org["agent"]
    agent.is_active = False
    agent.save()
    assert not _signed_in(client)
    assert not Token.objects.filter(user=agent).exists()
    assert token_client.get("/api/v1/incidents/").status_code == 401
    assert SecurityEvent.objects.filter(kind="sessions_ended", user=agent).exists()


def test_saving_an_active_account_leaves_its_sessions_alone(client, org):
    _login(client, "agent")
    agent = type(org["agent"]).objects.get(pk=org["agent"].pk)  # as saved by the login (hash upgrades)
    agent.first_name = "Changed"
    agent.save()
    assert _signed_in(client)


def test_admin_can_end_a_users_sessions(client, org):
    from django.test import Client

    victim = Client()
    _login(victim, "supervisor")
    other = Client()
    _login(other, "gm")
    _login(client, "admin")
    response = client.post(
        "/admin/auth/user/",
        {"action": "end_sessions", "_selected_action": [org["supervisor"].pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert not _signed_in(victim)
    assert _signed_in(other), "only the chosen user's sessions end"
    assert services.user_session_keys(user=org["supervisor"]) == []
