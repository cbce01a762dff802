"""Schema-driven fuzzing (issue 8): schemathesis generates requests from the project's own OpenAPI schema —
every operation the schema holds at the time, whichever app added it — and sends each one as several
roles. Goal: 0 server errors and 0 responses that break the schema.

Bounded by FUZZ_EXAMPLES (examples per operation; default 6) so the suite stays fast; ``make fuzz`` is the
deep run CI makes after the suite (400 examples per operation, the roles in turn) and ``make fuzz-full`` the
issue-14 run: 200 examples per operation, each sent as every role. FUZZ_ROLES chooses the roles: ``rotate``,
``all`` or a comma-separated list (a shard: ``FUZZ_ROLES=gm,agent``); FUZZ_LOG names a file that gets one
JSON line per operation (roles, examples, requests, statuses, seconds) so a long run can be followed and
its figures reported.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import time
from collections import Counter
from datetime import timedelta

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections, transaction
from django.utils import timezone
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
# gets FUZZ_EXAMPLES / 10 examples of each operation, for a tenth of the requests); "gm,agent": every example
# as each of these roles (one shard of an "all" run: the shards together send what "all" sends).
FUZZ_ROLES = os.environ.get("FUZZ_ROLES", "rotate")
FUZZ_LOG = os.environ.get("FUZZ_LOG", "")
# A wall-clock budget for the whole run (0: none): operations not started within it are skipped, and say so.
FUZZ_BUDGET_SECONDS = float(os.environ.get("FUZZ_BUDGET_SECONDS", "0"))
# "k/n": this run fuzzes the k-th of n contiguous slices of the operations (in schema order), so n processes
# or machines share one run; the other operations are skipped and say which shard has them.
FUZZ_SHARD = os.environ.get("FUZZ_SHARD", "1/1")
# A regular expression on "METHOD /path": only the operations it finds are fuzzed (re-running one, or
# finishing the operations a stopped run did not reach); the others are skipped.
FUZZ_ONLY = os.environ.get("FUZZ_ONLY", "")
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
SHARD = [] if FUZZ_ROLES in ("rotate", "all") else FUZZ_ROLES.split(",")
assert not set(SHARD) - set(ROLES), f"FUZZ_ROLES: rotate, all, or some of {', '.join(ROLES)}"
SENT_AS = [role for role in ROLES if role in SHARD] if SHARD else ROLES


def _roles_for(turn: int) -> list[str]:
    return [ROLES[turn % len(ROLES)]] if FUZZ_ROLES == "rotate" else SENT_AS


schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker):
    """What every operation starts from, made once for the module inside one transaction (each operation's
    test then runs in a savepoint of it and rolls back to it): a token per role, an incident in
    ``monitoring`` and one past activation with a regulator deadline, so the operations reach past the 404.
    Made per operation it cost a second or more each, for the same rows."""
    from django.test import override_settings
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            fast_hashing = ["django.contrib.auth.hashers.MD5PasswordHasher"]
            with override_settings(SECOND_FACTOR_REQUIRED=False, PASSWORD_HASHERS=fast_hashing):
                world = _make_world(APIClient)
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _make_world(client_class) -> dict:
    User = get_user_model()
    if not User.objects.filter(username="gm").exists():  # a transactional test emptied the tables
        call_command("seed_demo", stdout=io.StringIO())
    users = {user.username: user for user in User.objects.filter(username__in=ROLES)}
    users["integrator"] = User.objects.create_user("fuzz_integrator", password="not-used-0123")
    users["integrator"].groups.add(Group.objects.get_or_create(name=INTEGRATOR_GROUP)[0])
    headers = {
        role: {"Authorization": f"Token {Token.objects.get_or_create(user=users[role])[0].key}"}
        for role in ROLES
        if role != "anonymous"
    }
    headers["anonymous"] = {}

    def declare(**fields) -> int:
        client = client_class()
        client.credentials(HTTP_AUTHORIZATION=headers["supervisor"]["Authorization"])
        body = {
            "title": "核心系统中断",
            "category": "system_outage",
            "description": "呼叫中心无法查询客户信息",
            "detected_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
            **fields,
        }
        response = client.post("/api/v1/incidents/", body, format="json")
        assert response.status_code == 201, response.content
        return response.json()["id"]

    incident_id = declare()
    activated = declare(category="service_level")
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
    handler = Person.objects.get(user__username="complaint_lead")
    case = measure_services.complaint_case_assign(
        incident_id=activated,
        user=users["gm"],
        data={"customer": "张女士", "description": "扣费", "handler": handler.pk},
    )
    plan = measure_services.dispute_plan_propose(
        incident_id=activated, user=users["gm"], data={"text": "退费"}
    )
    return {
        "headers": headers,
        "ids": {"id": [incident_id, activated], "deadline_id": [deadline_id], "item": [case.pk, plan.pk]},
    }


def _operation_of(node) -> str:
    return node.name.split("[", 1)[-1].rstrip("]")


def _shard_of(node) -> str:
    count = int(FUZZ_SHARD.split("/")[1])
    items = [item for item in node.session.items if item.module is node.module]
    return f"{items.index(node) * count // len(items) + 1}/{count}"


@pytest.fixture
def fuzz_context(request, fuzz_world, db):
    _first_started[:] = _first_started or [time.monotonic()]
    spent = time.monotonic() - _first_started[0]
    if FUZZ_BUDGET_SECONDS and spent > FUZZ_BUDGET_SECONDS:
        pytest.skip(f"fuzz budget of {FUZZ_BUDGET_SECONDS:.0f} s spent ({spent:.0f} s): operation not fuzzed")
    shard = _shard_of(request.node)
    if shard != FUZZ_SHARD:
        pytest.skip(f"operation of shard {shard} (this run: FUZZ_SHARD={FUZZ_SHARD})")
    if FUZZ_ONLY and not re.search(FUZZ_ONLY, _operation_of(request.node)):
        pytest.skip(f"not in FUZZ_ONLY={FUZZ_ONLY}")
    # The WSGI handler closes the database connection after each request; inside a test transaction that
    # would close the test's own connection. Django's test client disconnects the same receiver (and
    # reconnects it after each of its own requests, so this comes after the last one).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    started = time.monotonic()
    context = {
        **fuzz_world,
        "turn": itertools.count(),
        "statuses": Counter(),  # "role status" -> responses
    }
    yield context
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
    if FUZZ_LOG:
        statuses: Counter = context["statuses"]
        per_role: Counter = Counter()
        for key, count in statuses.items():
            per_role[key.split()[0]] += count
        line = {
            "operation": _operation_of(request.node),
            "roles": FUZZ_ROLES,
            "max_examples": FUZZ_EXAMPLES,
            "examples": next(context["turn"]),
            "requests": sum(statuses.values()),
            "per_role": dict(per_role),
            "5xx": sum(n for key, n in statuses.items() if key.split()[1].startswith("5")),
            "statuses": dict(sorted(statuses.items())),
            "seconds": round(time.monotonic() - started, 1),
            "finished": time.strftime("%H:%M:%S", time.gmtime()),
        }
        with open(FUZZ_LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps(line) + "\n")


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
    database=None,
)
@pytest.mark.django_db
def test_every_operation_answers_cleanly_and_as_documented(case, fuzz_context):
    # Aim two examples in three at real rows, so the fuzzing reaches past the 404.
    turn = next(fuzz_context["turn"])
    for name, real in fuzz_context["ids"].items():
        if case.path_parameters and name in case.path_parameters and turn % 3:
            case.path_parameters[name] = real[turn % len(real)]
    if case.path_parameters and {"deadline_id", "item"} & set(case.path_parameters) and turn % 3:
        # the incident the deadline, the complaint and the dispute plan belong to
        case.path_parameters["id"] = fuzz_context["ids"]["id"][1]
    for role in _roles_for(turn):
        headers = fuzz_context["headers"][role]
        response = case.call(headers=headers)
        fuzz_context["statuses"][f"{role} {response.status_code}"] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)
