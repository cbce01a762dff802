"""Authorisation (ASVS 8), checked over every operation of the generated schema — whatever apps have added
to it: integrator tokens reach only the monitoring endpoints, auditors read everything and change nothing,
a signed-in stranger sees no incident, nobody gets in without credentials; every refusal is logged
(who, what, when in UTC, from where).

The role × transition × state matrix lives in tests/incidents/; this file is about the API's perimeter."""

from __future__ import annotations

import re
from datetime import UTC

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from security.models import SecurityEvent
from teams.roles import INTEGRATOR_GROUP

pytestmark = pytest.mark.django_db
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _operations() -> list[tuple[str, str, bool]]:
    """(method, path template, needs credentials) for every operation in the schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method.upper() not in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                continue
            security = operation.get("security", [])  # no requirement at all: open to everyone
            open_to_all = security == [] or any(not requirement for requirement in security)
            operations.append((method.upper(), path, not open_to_all))
    return operations


OPERATIONS = _operations()
UNSAFE_OPERATIONS = [operation for operation in OPERATIONS if operation[0] in UNSAFE]


def _is_integrator_path(path: str) -> bool:
    return path.startswith(tuple(settings.INTEGRATOR_API_PREFIXES))


def _client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def perimeter(org, declare):
    User = get_user_model()
    integrator = User.objects.create_user("perimeter_integrator", password="unused-pass-0123")
    integrator.groups.add(Group.objects.get_or_create(name=INTEGRATOR_GROUP)[0])
    stranger = User.objects.create_user("perimeter_stranger", password="unused-pass-0123")
    incident = declare()
    return {"integrator": integrator, "stranger": stranger, "incident_id": incident["id"], **org}


def _url(path: str, incident_id: int) -> str:
    path = path.replace("{id}", str(incident_id))
    return re.sub(r"\{[^}]+\}", "1", path)


def _call(client: APIClient, method: str, url: str):
    return client.generic(method, url, data="{}", content_type="application/json")


def test_the_schema_has_operations_to_check():
    assert len(OPERATIONS) >= 15


@pytest.mark.parametrize(
    ("method", "path", "needs_credentials"),
    [
        op for op in OPERATIONS if op[2] and not _is_integrator_path(op[1])
    ],  # the others are open to integrators
)
def test_integrator_token_reaches_only_integrator_endpoints(perimeter, method, path, needs_credentials):
    response = _call(_client(perimeter["integrator"]), method, _url(path, perimeter["incident_id"]))
    assert response.status_code == 403, (method, path, response.content)
    event = SecurityEvent.objects.filter(user=perimeter["integrator"], kind="forbidden").latest("at")
    assert (event.method, event.status) == (method, 403)
    assert event.path.startswith(_url(path, perimeter["incident_id"]))
    assert event.at.tzinfo is not None and event.at.utcoffset() == UTC.utcoffset(None)


@pytest.mark.parametrize(("method", "path", "needs_credentials"), [op for op in UNSAFE_OPERATIONS if op[2]])
def test_auditor_changes_nothing(perimeter, method, path, needs_credentials):
    response = _call(_client(perimeter["auditor"]), method, _url(path, perimeter["incident_id"]))
    assert response.status_code == 403, (method, path, response.content)
    assert SecurityEvent.objects.filter(user=perimeter["auditor"], kind="forbidden", method=method).exists()


@pytest.mark.parametrize(("method", "path", "needs_credentials"), [op for op in OPERATIONS if op[2]])
def test_nobody_gets_in_without_credentials(perimeter, method, path, needs_credentials):
    response = _call(APIClient(), method, _url(path, perimeter["incident_id"]))
    assert response.status_code == 401, (method, path, response.content)
    assert SecurityEvent.objects.filter(kind="not_authenticated", method=method, status=401).exists()


@pytest.mark.parametrize(
    "path",
    [p for m, p, creds in OPERATIONS if m == "GET" and creds and p.startswith("/api/v1/incidents/")],
)
def test_auditor_reads_every_incident_and_a_stranger_none(perimeter, path):
    url = _url(path, perimeter["incident_id"])
    assert _call(_client(perimeter["auditor"]), "GET", url).status_code == 200, path
    stranger = _call(_client(perimeter["stranger"]), "GET", url)
    if "{id}" in path:
        assert stranger.status_code == 404, (path, stranger.content)
    else:
        assert stranger.status_code == 200
        assert stranger.json()["count"] == 0


def test_stranger_cannot_act_on_an_incident_it_cannot_see(perimeter):
    client = _client(perimeter["stranger"])
    url = f"/api/v1/incidents/{perimeter['incident_id']}/updates/"
    assert client.post(url, {"text": "进展"}, format="json").status_code == 404
