"""Shared fixtures. The suite runs on PostgreSQL (never SQLite): the timeline's append-only trigger, row
locks and the race tests only mean something there."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation
from rest_framework.test import APIClient

DEMO_USERS = [
    "gm",
    "supervisor",
    "phone_lead",
    "complaint_lead",
    "sudden_lead",
    "agent",
    "security_head",
    "hq_office",
    "auditor",
    "admin",
]


def pytest_collection_modifyitems(config, items):
    # Browser and Celery-worker tests go last: they use live servers and separate processes.
    items.sort(key=lambda item: ("browser" in item.keywords, "celery_worker" in item.keywords))


@pytest.fixture(autouse=True)
def _on_postgresql(request):
    if "django_db_setup" in request.fixturenames or request.node.get_closest_marker("django_db"):
        assert connection.vendor == "postgresql", "the test suite must run on PostgreSQL (set DATABASE_URL)"


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A page fetched in English leaves English active in the test's thread (LocaleMiddleware does not undo
    it): the next test calling the services would read English refusals. Back to the default after each."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """seed_demo sets ten passwords; full-strength PBKDF2 costs seconds per test and proves nothing here
    (login itself is still tested, with whatever hasher is configured)."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # for hashes made before this fixture applied
    ]


@pytest.fixture(autouse=True)
def _second_factor(request, settings):
    """The second factor for decisions (security.second_factor) in one place: off for the suite, which
    decides as the demo users through the services, and on for tests marked ``second_factor`` (the tests
    of the second factor itself, tests/security/test_second_factor.py)."""
    settings.SECOND_FACTOR_REQUIRED = request.node.get_closest_marker("second_factor") is not None


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the demo organisation once per test database; each test rolls back to it."""
    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def org(db) -> dict:
    """The demo organisation and users of DESIGN §7, seeded by the real command. A transactional test
    (live server, Celery worker) empties the tables when it ends, so re-seed when they are gone."""
    User = get_user_model()
    if not User.objects.filter(username="gm").exists():
        call_command("seed_demo", stdout=io.StringIO())
    return {user.username: user for user in User.objects.filter(username__in=DEMO_USERS + ["acd"])}


@pytest.fixture
def api(org) -> Callable[[str], APIClient]:
    """``api("gm")`` → an API client authenticated as that demo user with a real token."""
    from rest_framework.authtoken.models import Token

    def client_for(username: str) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=org[username])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


@pytest.fixture
def declare(api) -> Callable[..., dict]:
    def _declare(username: str = "supervisor", expect: int | None = 201, **fields) -> dict:
        body = {
            "title": "核心系统中断",
            "category": "system_outage",
            "description": "呼叫中心无法查询客户信息",
            "detected_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
            **fields,
        }
        response = api(username).post("/api/v1/incidents/", body, format="json")
        if expect is None:  # the caller expects a refusal: None when it came
            return None if response.status_code == 400 else response.json()
        assert response.status_code == expect, response.content
        return response.json()

    return _declare
