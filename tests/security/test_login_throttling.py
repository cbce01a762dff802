"""Login throttling with django-axes (ASVS 2.2.1): after AXES_FAILURE_LIMIT failures the username is locked
from that address, on the login page and on the token endpoint alike; the lock lifts after the cool-off
(no permanent lockout); the manager can still sign in from elsewhere meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from security.models import SecurityEvent

pytestmark = pytest.mark.django_db
PASSWORD = "demo-pass-2026"


def _token(client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, REMOTE_ADDR=ip, format="json"
    )


def _page(client, username: str, password: str, ip: str = "10.0.0.9"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_token_endpoint_locks_after_repeated_failures_and_lifts_after_cool_off(client, org):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _token(client, "gm", "wrong").status_code == 400
    locked = _token(client, "gm", "wrong")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME * 3600)
    assert "retry_after_seconds" in locked.json()
    # Even the right password is refused while locked...
    assert _token(client, "gm", PASSWORD).status_code == 429
    # ...but not from the manager's own workstation: the lock is per (username, address).
    assert _token(client, "gm", PASSWORD, ip="10.0.0.2").status_code == 200
    assert SecurityEvent.objects.filter(kind="locked_out", username="gm").exists()
    assert (
        SecurityEvent.objects.filter(kind="login_failed", username="gm").count()
        >= settings.AXES_FAILURE_LIMIT
    )
    # The cool-off passes: the lock lifts by itself.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(hours=1))
    assert _token(client, "gm", PASSWORD).status_code == 200


def test_login_page_and_token_endpoint_share_one_failure_count(client, org):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        page = client.post(
            "/accounts/login/", {"username": "supervisor", "password": "x"}, REMOTE_ADDR="10.0.0.9"
        )
        assert page.status_code == 200  # the form again, with its error
    assert _token(client, "supervisor", "x", ip="10.0.0.9").status_code == 429
    page = client.post(
        "/accounts/login/", {"username": "supervisor", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert page.status_code == 429
    assert "分钟后再试" in page.content.decode()


def test_a_success_resets_the_count(client, org):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _token(client, "agent", "wrong")
    assert _token(client, "agent", PASSWORD).status_code == 200
    assert _token(client, "agent", "wrong").status_code == 400
