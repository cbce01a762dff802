"""Schema-driven fuzzing (issue 8): schemathesis generates requests from the project's own OpenAPI schema —
every operation the schema holds at the time, whichever app added it — and sends each one as several
roles. Goal: 0 server errors and 0 responses that break the schema.

Bounded by FUZZ_EXAMPLES (examples per operation; default 6) so the suite stays fast; raise it for a
deeper run: ``FUZZ_EXAMPLES=200 pytest tests/security/test_api_fuzz.py``.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from config.wsgi import application
from teams.roles import INTEGRATOR_GROUP

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
ROLES = ["gm", "agent", "auditor", "integrator", "anonymous"]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def fuzz_context(org, declare):
    integrator = get_user_model().objects.create_user("fuzz_integrator", password="not-used-0123")
    integrator.groups.add(Group.objects.get_or_create(name=INTEGRATOR_GROUP)[0])
    users = {**org, "integrator": integrator}
    headers = {
        role: {"Authorization": f"Token {Token.objects.get_or_create(user=users[role])[0].key}"}
        for role in ROLES
        if role != "anonymous"
    }
    headers["anonymous"] = {}
    incident_id = declare()["id"]
    # The WSGI handler closes the database connection after each request; inside a test transaction that
    # would close the test's own connection. Django's test client disconnects the same receiver (and
    # reconnects it after each of its own requests, so this comes after the last one).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield {"headers": headers, "incident_id": incident_id}
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
@pytest.mark.django_db
def test_every_operation_answers_cleanly_and_as_documented(case, fuzz_context):
    # Aim half the path ids at a real incident, so the fuzzing reaches past the 404.
    if case.path_parameters and "id" in case.path_parameters and hash(repr(case.body)) % 2 == 0:
        case.path_parameters["id"] = fuzz_context["incident_id"]
    for role in ROLES:
        case.call_and_validate(headers=fuzz_context["headers"][role], checks=CHECKS)
