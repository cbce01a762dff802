from __future__ import annotations

import pytest

from incidents.models import TimelineEntry
from reports.models import Investigation

from .lifecycle import APPROVERS_OF_PLAN, CATEGORY_OF_PLAN, LEAD_OF_PLAN, move

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("plan", ["phone", "sudden", "complaint"])
def test_full_lifecycle_through_the_api_for_each_plan(api, declare, plan):
    incident = declare("supervisor", category=CATEGORY_OF_PLAN[plan])
    assert incident["state"] == "monitoring"
    assert incident["plan"] == plan and incident["lead_group"] == plan
    pk = incident["id"]

    assert move(api, "agent", pk, "report").json()["state"] == "reported"
    activated = move(api, "gm", pk, "activate")
    assert activated.status_code == 200, activated.content
    assert activated.json()["state"] == "activated"
    assert move(api, LEAD_OF_PLAN[plan], pk, "execute").json()["state"] == "executing"
    assert move(api, LEAD_OF_PLAN[plan], pk, "request_termination").json()["state"] == "termination_requested"

    approvers = APPROVERS_OF_PLAN[plan]
    for i, approver in enumerate(approvers):
        response = move(api, approver, pk, "approve_termination")
        assert response.status_code == 200, response.content
        expected = "terminated" if i == len(approvers) - 1 else "termination_requested"
        assert response.json()["state"] == expected

    assert move(api, "supervisor", pk, "investigate").json()["state"] == "investigating"
    refused = move(api, "gm", pk, "close")
    assert refused.status_code == 400 and "investigation" in refused.json()["errors"]
    Investigation.objects.create(
        incident_id=pk,
        direct_cause="交换机故障",
        root_cause="未做冗余",
        is_internal_cause=True,
        consequences="中断 70 分钟",
        lessons_learned="增加冗余",
    )
    closed = move(api, "gm", pk, "close")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"

    timeline = api("auditor").get(f"/api/v1/incidents/{pk}/timeline/").json()["results"]
    actions = [entry["action"] for entry in timeline]
    assert actions[0] == "declare" and actions[-1] == "close"
    assert actions.count("approve_termination") == len(approvers)
    assert [entry["seq"] for entry in timeline] == list(range(1, len(timeline) + 1))
    assert TimelineEntry.objects.filter(incident_id=pk).count() == len(timeline)
    # The checklist of the plan was instantiated at activation.
    checklist = api("auditor").get(f"/api/v1/incidents/{pk}/checklist/").json()
    assert checklist and all(item["due_at"] for item in checklist)
