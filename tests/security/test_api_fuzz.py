"""Schema-driven fuzzing (issue 8): schemathesis generates requests from the project's own OpenAPI schema —
every operation the schema holds at the time, whichever app added it — and sends each one as several
roles. Goal: 0 server errors and 0 responses that break the schema.

Bounded by FUZZ_EXAMPLES (examples per operation; default 6) so the suite stays fast; ``make fuzz`` is the
deep run CI makes after the suite: 200 examples per operation, each sent as every role (issue 14).
"""

from __future__ import annotations

import itertools
import os
import time

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
from incidents.models import RegulatorDeadline
from incidents.services import incident_record_regulator_decision as record_regulator_decision
from incidents.services import incident_transition as transition
from measures import services as measure_services
from teams.models import Person
from teams.roles import INTEGRATOR_GROUP

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
# "all": every example is sent as every role; "rotate": each example as the next role in turn (every role then
# gets FUZZ_EXAMPLES / 10 examples of each operation, for a tenth of the requests).
FUZZ_ROLES = os.environ.get("FUZZ_ROLES", "rotate")
# A wall-clock budget for the whole run (0: none): operations not started within it are skipped, and say so.
FUZZ_BUDGET_SECONDS = float(os.environ.get("FUZZ_BUDGET_SECONDS", "0"))
_first_started: list[float] = []
# Every role of the organisation (leader, deputy, a group's lead, an agent, the two co-approving parties), the
# auditor, an administrator, an integrator token and no credentials at all.
ROLES = [
    "gm",
    "supervisor",
    "phone_lead",
    "agent",
    "security_head",
    "hq_office",
    "auditor",
    "admin",
    "integrator",
    "anonymous",
]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def fuzz_context(org, declare):
    _first_started[:] = _first_started or [time.monotonic()]
    spent = time.monotonic() - _first_started[0]
    if FUZZ_BUDGET_SECONDS and spent > FUZZ_BUDGET_SECONDS:
        pytest.skip(f"fuzz budget of {FUZZ_BUDGET_SECONDS:.0f} s spent ({spent:.0f} s): operation not fuzzed")
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
    # A second incident past activation, with a regulator deadline, so those operations reach past the 404.
    activated = declare(category="service_level")["id"]
    for username, name, body in [
        ("agent", "report", {"situation": "接通率下滑", "impact": "排队客户增多"}),
        ("supervisor", "activate", {"damage_degree": "中", "damage_scale": "热线", "grade": "III"}),
    ]:
        transition(incident_id=activated, name=name, user=users[username], data=body)
    record_regulator_decision(
        incident_id=activated, user=users["gm"], data={"decision": "report", "comment": "须报告"}
    )
    deadline_id = RegulatorDeadline.objects.filter(incident_id=activated).values_list("pk", flat=True).first()
    # A complaint and a dispute plan on it, so the measures' item operations (close, extension, done…) are
    # reached past the 404 too (issue 13).
    handler = Person.objects.get(user=users["complaint_lead"])
    case = measure_services.complaint_case_assign(
        incident_id=activated,
        user=users["gm"],
        data={"customer": "张女士", "description": "扣费", "handler": handler.pk},
    )
    plan = measure_services.dispute_plan_propose(
        incident_id=activated, user=users["gm"], data={"text": "退费"}
    )
    # The WSGI handler closes the database connection after each request; inside a test transaction that
    # would close the test's own connection. Django's test client disconnects the same receiver (and
    # reconnects it after each of its own requests, so this comes after the last one).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield {
        "headers": headers,
        "ids": {"id": [incident_id, activated], "deadline_id": [deadline_id], "item": [case.pk, plan.pk]},
        "turn": itertools.count(),
    }
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
    # Aim two examples in three at real rows, so the fuzzing reaches past the 404.
    turn = next(fuzz_context["turn"])
    for name, real in fuzz_context["ids"].items():
        if case.path_parameters and name in case.path_parameters and turn % 3:
            case.path_parameters[name] = real[turn % len(real)]
    for role in ROLES if FUZZ_ROLES == "all" else [ROLES[turn % len(ROLES)]]:
        case.call_and_validate(headers=fuzz_context["headers"][role], checks=CHECKS)
