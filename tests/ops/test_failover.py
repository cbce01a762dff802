"""While the database is unreachable a person gets a 503 page with a retry hint (an API client a 503 JSON),
never a 500; the next request after it returns is served again (health-checked connections)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.escalation.worker import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client():
    """As a browser sees it: an exception becomes whatever page Django answers (not re-raised in the test)."""
    return Client(raise_request_exception=False)


@contextmanager
def database_unreachable():
    """Point this process's connection at a loopback port nobody listens on: a real refused connection."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["HOST"] = "127.0.0.1"
    connection.settings_dict["PORT"] = str(free_port())
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def test_page_api_and_probe_answer_503_with_retry_after_while_the_database_is_gone(client, org, settings):
    settings.DEBUG = False
    client.force_login(org["gm"])
    token = Token.objects.create(user=org["gm"]).key
    assert client.get("/").status_code == 200

    with database_unreachable():
        page = client.get("/")
        api = client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Token {token}")
        probe = client.get("/healthz")

    assert page.status_code == 503
    assert page["Retry-After"] == "5"
    assert "数据库正在切换" in page.content.decode()
    assert api.status_code == 503 and api["Retry-After"] == "5"
    assert api.json()["detail"]
    assert probe.status_code == 503 and probe.json()["status"] == "unavailable"

    assert client.get("/").status_code == 200  # back: a fresh connection, no restart needed


def test_the_503_page_speaks_english_too(client, org, settings):
    settings.DEBUG = False
    client.force_login(org["gm"])
    with database_unreachable():
        page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 503
    assert "The database is switching over" in page.content.decode()
