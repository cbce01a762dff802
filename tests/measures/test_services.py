"""The plans' measures through their services: who may, what is validated, and that every write is one
entry on the incident's timeline (DESIGN §3, §4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict, Forbidden, Invalid
from escalation.models import Notification
from incidents import services as incident_services
from incidents.models import TimelineEntry
from measures import selectors, services
from measures.models import DisputePlan, RollCall
from teams import selectors as team_selectors
from tests.incidents.lifecycle import body_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _activated(org, category: str):
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={"title": "测试", "category": category, "detected_at": timezone.now() - timedelta(minutes=3)},
    )
    for username, name in (("agent", "report"), ("gm", "activate")):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=org[username], data=body_for(name)
        )
    return incident


def _actions(incident) -> list[str]:
    return list(
        TimelineEntry.objects.filter(incident=incident).order_by("seq").values_list("action", flat=True)
    )


def test_roster_splits_everyone_balanced_by_line_and_skill(org):
    incident = _activated(org, "disaster")
    roster = services.roster_generate(
        incident_id=incident.pk, user=org["sudden_lead"], data={"starts_on": "2026-12-01", "period_days": "3"}
    )
    staff = list(team_selectors.all_staff())
    assignments = list(roster.assignments.all())
    assert {a.person_id for a in assignments} == {p.pk for p in staff}
    for line in ("first", "second"):
        a = sum(1 for x in assignments if x.line == line and x.group == "A")
        b = sum(1 for x in assignments if x.line == line and x.group == "B")
        assert abs(a - b) <= 1, (line, a, b)
    totals = [sum(1 for x in assignments if x.group == g) for g in "AB"]
    assert abs(totals[0] - totals[1]) <= 1
    assert [row[2] for row in roster.schedule(periods=4)] == ["A", "B", "A", "B"]
    assert roster.group_on(roster.starts_on + timedelta(days=3)) == "B"
    assert _actions(incident)[-2:] == ["roster_generated", "checklist_done"]  # ticks its checklist item


@pytest.mark.parametrize("days", ["0", "8", ""])
def test_roster_period_is_one_day_to_one_week(org, days):
    incident = _activated(org, "disaster")
    with pytest.raises(Invalid) as refused:
        services.roster_generate(
            incident_id=incident.pk,
            user=org["sudden_lead"],
            data={"starts_on": "2026-12-01", "period_days": days},
        )
    assert "period_days" in refused.value.detail


def test_roll_call_accounts_for_everyone_and_cannot_close_early(org):
    incident = _activated(org, "disaster")
    roll_call = services.roll_call_start(
        incident_id=incident.pk, user=org["sudden_lead"], data={"assembly_point": "大厦东侧广场"}
    )
    with pytest.raises(Conflict):
        services.roll_call_start(incident_id=incident.pk, user=org["gm"], data={"assembly_point": "另一处"})
    entries = list(roll_call.entries.all())
    for entry in entries[:-1]:
        services.roll_call_mark(entry_id=entry.pk, user=org["security_head"], data={"status": "safe"})
    with pytest.raises(Invalid):
        services.roll_call_close(roll_call_id=roll_call.pk, user=org["sudden_lead"])
    services.roll_call_mark(entry_id=entries[-1].pk, user=org["sudden_lead"], data={"status": "missing"})
    current = selectors.roll_call_current(incident=incident)
    counts = selectors.roll_call_counts(roll_call=current)
    assert counts == {
        "expected": len(entries),
        "safe": len(entries) - 1,
        "absent": 0,
        "missing": 1,
        "unknown": 0,
        "accounted": len(entries) - 1,
    }
    # closing with someone 失联 is a decision: confirmed, with a reason (issue 12)
    with pytest.raises(Invalid) as refused:
        services.roll_call_close(roll_call_id=roll_call.pk, user=org["sudden_lead"], data={})
    assert set(refused.value.detail) == {"confirm_missing", "reason"}
    assert RollCall.objects.get(pk=roll_call.pk).is_open
    services.roll_call_close(
        roll_call_id=roll_call.pk,
        user=org["sudden_lead"],
        data={"confirm_missing": "on", "reason": "消防已进入搜救，人员转移至医院核对"},
    )
    actions = _actions(incident)
    assert actions.count("roll_call_marked") == len(entries)
    assert actions[-2:] == ["roll_call_closed", "checklist_done"]  # the roll call ticks its checklist item
    closed = TimelineEntry.objects.filter(incident=incident, action="roll_call_closed").get()
    missing_person = entries[-1].person
    assert closed.payload["missing"] == [
        {"id": missing_person.pk, "name": missing_person.name, "phone": missing_person.phone}
    ]
    assert "消防已进入搜救" in closed.comment
    told = set(
        Notification.objects.filter(
            incident=incident, event="roll_call_missing", channel="inbox"
        ).values_list("recipient__username", flat=True)
    )
    assert {"gm", "supervisor", "security_head"} <= told
    # the accounted-for are final; the missing person stays open for updates
    with pytest.raises(Conflict):
        services.roll_call_mark(entry_id=entries[0].pk, user=org["sudden_lead"], data={"status": "safe"})
    services.roll_call_mark(entry_id=entries[-1].pk, user=org["security_head"], data={"status": "safe"})
    assert _actions(incident)[-1] == "roll_call_missing_found"
    assert Notification.objects.filter(incident=incident, event="roll_call_missing_found").exists()
    with pytest.raises(Conflict):  # found is final too
        services.roll_call_mark(entry_id=entries[-1].pk, user=org["sudden_lead"], data={"status": "missing"})


def test_roll_call_closes_without_confirmation_when_nobody_is_missing(org):
    incident = _activated(org, "disaster")
    roll_call = services.roll_call_start(
        incident_id=incident.pk, user=org["sudden_lead"], data={"assembly_point": "大厦东侧广场"}
    )
    for entry in roll_call.entries.all():
        services.roll_call_mark(entry_id=entry.pk, user=org["sudden_lead"], data={"status": "safe"})
    services.roll_call_close(roll_call_id=roll_call.pk, user=org["sudden_lead"])
    assert not RollCall.objects.get(pk=roll_call.pk).is_open
    assert not Notification.objects.filter(incident=incident, event="roll_call_missing").exists()


def test_supervisor_starts_the_roll_call_before_activation(org):
    """Art. 14 (3): a fire does not wait for the Leadership Group's decision."""
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={"title": "三楼冒烟", "category": "disaster", "detected_at": timezone.now()},
    )
    assert incident.state == "monitoring"
    roll_call = services.roll_call_start(
        incident_id=incident.pk, user=org["supervisor"], data={"assembly_point": "大厦东侧广场"}
    )
    assert roll_call.entries.count() == team_selectors.all_staff().count()
    with pytest.raises(Forbidden):
        services.roll_call_start(incident_id=incident.pk, user=org["auditor"], data={"assembly_point": "x"})
    # the plan's other measures still wait for the activation
    with pytest.raises(Conflict):
        services.roster_generate(
            incident_id=incident.pk,
            user=org["sudden_lead"],
            data={"starts_on": "2026-12-01", "period_days": "1"},
        )


def test_complaint_work_goes_on_after_termination(org):
    incident = _activated(org, "business_dispute")
    incident_services.incident_transition(
        incident_id=incident.pk, name="execute", user=org["gm"], data=body_for("execute")
    )
    incident_services.incident_transition(
        incident_id=incident.pk,
        name="request_termination",
        user=org["complaint_lead"],
        data=body_for("request_termination"),
    )
    for username in ("gm", "hq_office"):
        incident_services.incident_transition(
            incident_id=incident.pk,
            name="approve_termination",
            user=org[username],
            data=body_for("approve_termination"),
        )
    incident = incident.__class__.objects.get(pk=incident.pk)
    assert incident.state == "terminated"
    services.remedy_record(
        incident_id=incident.pk, user=org["complaint_lead"], data={"kind": "home_visit", "customer": "张女士"}
    )
    assert _actions(incident)[-1] == "remedy_recorded"
    with pytest.raises(Conflict):  # the sudden-event plan's measures end with the termination
        services.roster_generate(
            incident_id=incident.pk, user=org["gm"], data={"starts_on": "2026-12-01", "period_days": "1"}
        )


def test_dispute_plan_needs_another_leadership_decider(org):
    incident = _activated(org, "business_dispute")
    plan = services.dispute_plan_propose(
        incident_id=incident.pk, user=org["supervisor"], data={"text": "退还手续费并上门致歉"}
    )
    with pytest.raises(Forbidden, match="四眼原则"):
        services.dispute_plan_decide(plan_id=plan.pk, user=org["supervisor"], data={"decision": "approve"})
    with pytest.raises(Forbidden):
        services.dispute_plan_decide(
            plan_id=plan.pk, user=org["complaint_lead"], data={"decision": "approve"}
        )
    with pytest.raises(Invalid):  # a rejection must say why
        services.dispute_plan_decide(plan_id=plan.pk, user=org["gm"], data={"decision": "reject"})
    services.dispute_plan_decide(
        plan_id=plan.pk, user=org["gm"], data={"decision": "approve", "comment": "同意"}
    )
    assert DisputePlan.objects.get(pk=plan.pk).status == "approved"
    with pytest.raises(Conflict):
        services.dispute_plan_decide(plan_id=plan.pk, user=org["gm"], data={"decision": "approve"})
    assert _actions(incident)[-2:] == ["dispute_plan_proposed", "dispute_plan_approved"]


def test_complaint_records_each_one_timeline_entry(org):
    incident = _activated(org, "business_dispute")
    lead = org["complaint_lead"]
    services.media_report_log(
        incident_id=incident.pk, user=lead, data={"outlet": "都市报", "reach": "12000", "tone": "untrue"}
    )
    services.reputation_assess(
        incident_id=incident.pk, user=lead, data={"level": "high", "assessment": "扩散中"}
    )
    services.legal_referral_record(incident_id=incident.pk, user=lead, data={"case_summary": "客户起诉"})
    handler = team_selectors.team_lead(team_code="complaint")
    case = services.complaint_case_assign(
        incident_id=incident.pk,
        user=lead,
        data={"customer": "张女士", "description": "上门投诉扣费", "is_walk_in": "on", "handler": handler.pk},
    )
    services.complaint_case_escalate(case_id=case.pk, user=lead, data={"escalation_reason": "涉及多家分行"})
    services.remedy_record(
        incident_id=incident.pk, user=lead, data={"kind": "home_visit", "customer": "张女士"}
    )
    assert _actions(incident)[-6:] == [
        "media_report",
        "reputation_assessment",
        "legal_referral",
        "complaint_handler_assigned",
        "complaint_escalated_hq",
        "remedy_recorded",
    ]
    records = selectors.complaint_records(incident=incident)
    assert records["cases"][0].is_walk_in and records["cases"][0].escalated_at


def test_auditor_and_closed_states_are_refused(org):
    incident = _activated(org, "disaster")
    with pytest.raises(Forbidden, match="审计"):
        services.roster_generate(
            incident_id=incident.pk, user=org["auditor"], data={"starts_on": "2026-12-01", "period_days": "1"}
        )
    monitoring = incident_services.incident_declare(
        user=org["supervisor"],
        data={"title": "未启动", "category": "disaster", "detected_at": timezone.now()},
    )
    with pytest.raises(Conflict):
        services.media_report_log(incident_id=monitoring.pk, user=org["complaint_lead"], data={"outlet": "x"})
    assert TimelineEntry.objects.filter(incident=monitoring).count() == 1
