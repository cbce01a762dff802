"""Timers follow the incident (DESIGN §5), fire once, and policies are snapshotted — on PostgreSQL, firing by
calling the same service the worker calls (the worker itself is exercised in test_worker.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalation import selectors, services
from escalation.models import Escalation, EscalationPolicy, Notification, Timer, TimerKind
from incidents import selectors as incident_selectors
from incidents.models import Incident, TimelineEntry

from .helpers import walk

pytestmark = pytest.mark.django_db


def pending(incident_id: int, kind: str | None = None):
    rows = Timer.objects.filter(incident_id=incident_id, fired_at__isnull=True, cancelled_at__isnull=True)
    return rows.filter(kind=kind) if kind else rows


def make_due(incident_id: int, kind: str, first_only: bool = False) -> list[int]:
    ids = list(pending(incident_id, kind).order_by("due_at").values_list("pk", flat=True))
    ids = ids[:1] if first_only else ids
    Timer.objects.filter(pk__in=ids).update(due_at=timezone.now() - timedelta(seconds=1))
    return ids


def inbox_users(incident_id: int, event: str) -> set[str]:
    return set(
        Notification.objects.filter(incident_id=incident_id, event=event, channel="inbox").values_list(
            "recipient__username", flat=True
        )
    )


def test_report_starts_decision_reminders_and_activation_cancels_them(declare, api):
    incident = declare(category="service_level")
    walk(api, incident["id"], "report")
    timers = list(pending(incident["id"], TimerKind.DECISION_PENDING).order_by("due_at"))
    assert [round((t.due_at - timers[0].escalation.started_at).total_seconds()) for t in timers] == [
        900,
        1800,
    ]
    deadlines = api("gm").get(f"/api/v1/incidents/{incident['id']}/").json()["deadlines"]
    assert any(d["kind"] == "decision_pending" and d["label"] == "领导小组决策提醒" for d in deadlines)

    walk(api, incident["id"], "activate")
    assert not pending(incident["id"], TimerKind.DECISION_PENDING).exists()
    assert pending(incident["id"], TimerKind.REGULATOR_DECISION_MISSING).count() == 2


def test_a_due_reminder_reaches_the_deciders_once(declare, api):
    incident = declare(category="service_level")
    walk(api, incident["id"], "report")
    first = make_due(incident["id"], TimerKind.DECISION_PENDING, first_only=True)[0]
    assert services.timer_fire(timer_id=first) == "fired"
    assert services.timer_fire(timer_id=first) == "done"
    assert services.timers_sweep()["nudged"] >= 0
    assert inbox_users(incident["id"], "decision_pending") == {"gm", "supervisor"}
    assert Notification.objects.filter(timer_id=first, channel="inbox").count() == 2


def test_a_stale_nudge_is_fenced_off(declare, api):
    incident = declare(category="service_level")
    walk(api, incident["id"], "report")
    timer_id = make_due(incident["id"], TimerKind.DECISION_PENDING)[0]
    assert (
        services.timer_fire(timer_id=timer_id, token="00000000-0000-0000-0000-000000000000") == "superseded"
    )
    assert not Notification.objects.filter(timer_id=timer_id).exists()


def test_a_timer_that_outlived_its_state_does_nothing(declare, api):
    incident = declare(category="service_level")
    walk(api, incident["id"], "report")
    timer_id = make_due(incident["id"], TimerKind.DECISION_PENDING)[0]
    # someone moved the incident while the timer was due but before it was cancelled (state re-check)
    Timer.objects.filter(pk=timer_id).update(kind=TimerKind.PROGRESS_SILENT)
    assert services.timer_fire(timer_id=timer_id) == "obsolete"
    assert not Notification.objects.filter(timer_id=timer_id).exists()


def test_progress_updates_restart_the_silence_clock(declare, api):
    incident = declare(category="service_level")
    walk(api, incident["id"], "report", "activate", "execute")
    before = set(pending(incident["id"], TimerKind.PROGRESS_SILENT).values_list("pk", flat=True))
    assert len(before) == 2
    response = api("phone_lead").post(f"/api/v1/incidents/{incident['id']}/updates/", {"text": "IVR 已切换"})
    assert response.status_code == 201, response.content
    after = set(pending(incident["id"], TimerKind.PROGRESS_SILENT).values_list("pk", flat=True))
    assert len(after) == 2 and not before & after
    assert Escalation.objects.filter(
        incident_id=incident["id"], kind="progress_silent", ended_at__isnull=False
    ).exists()


def test_termination_clocks_and_the_investigation_clocks(declare, api):
    incident = declare(category="service_level")
    walk(api, incident["id"], "report", "activate", "execute", "request_termination")
    assert pending(incident["id"], TimerKind.APPROVALS_MISSING).count() == 1
    assert pending(incident["id"], TimerKind.TERMINATION_OVERDUE).count() == 1
    assert not pending(incident["id"], TimerKind.PROGRESS_SILENT).exists()
    make_due(incident["id"], TimerKind.APPROVALS_MISSING)
    services.timers_sweep()
    assert inbox_users(incident["id"], "approvals_missing") == {"gm", "supervisor"}  # phone plan: Leadership

    walk(api, incident["id"], "approve_termination")
    assert pending(incident["id"], TimerKind.INVESTIGATION_NOT_STARTED).count() == 1
    watch = pending(incident["id"], TimerKind.POST_EVENT_WATCH).get()
    terminated_at = Incident.objects.get(pk=incident["id"]).terminated_at
    assert watch.due_at - terminated_at == timedelta(hours=72)
    walk(api, incident["id"], "investigate")
    closing = pending(incident["id"], TimerKind.INVESTIGATION_NOT_CLOSED).get()
    assert 14 <= (closing.due_at - terminated_at).days <= 16  # 10 working days ≈ two calendar weeks
    assert pending(incident["id"], TimerKind.POST_EVENT_WATCH).exists()


def test_regulator_deadlines_by_grade_and_kind(declare, api):
    incident = declare(category="service_level")
    walk(api, incident["id"], "report")
    response = api("gm").post(
        f"/api/v1/incidents/{incident['id']}/transitions/activate/",
        {"damage_degree": "严重", "damage_scale": "全行", "grade": "I", "comment": "启动"},
        format="json",
    )
    assert response.status_code == 200
    from django.contrib.auth import get_user_model

    from incidents import services as incident_services

    gm = get_user_model().objects.get(username="gm")
    incident_services.incident_record_regulator_decision(
        incident_id=incident["id"],
        user=gm,
        data={
            "decision": "report",
            "important_system": "on",
            "major_operational_risk": "on",
            "comment": "报告",
        },
    )
    activated_at = Incident.objects.get(pk=incident["id"]).activated_at
    due = {t.kind: t.due_at - activated_at for t in pending(incident["id"])}
    assert due[TimerKind.REGULATOR_PHONE_REPORT] == timedelta(minutes=30)
    assert due[TimerKind.REGULATOR_WRITTEN_REPORT] == timedelta(hours=1)
    assert due[TimerKind.REGULATOR_IMPORTANT_SYSTEM] == timedelta(hours=12)
    assert timedelta(days=5) <= due[TimerKind.REGULATOR_MAJOR_RISK] <= timedelta(days=9)
    assert TimerKind.REGULATOR_DECISION_MISSING not in due
    labels = {
        d["kind"]: d["label"]
        for d in incident_selectors.deadlines_of(incident=Incident.objects.get(pk=incident["id"]))
    }
    assert labels["regulator_phone_report"] == "监管电话报告时限"


def test_late_report_is_flagged_for_the_investigation(declare, api):
    late = declare(category="service_level", detected_at=(timezone.now() - timedelta(hours=2)).isoformat())
    on_time = declare(category="service_level")
    walk(api, late["id"], "report")
    walk(api, on_time["id"], "report")
    finding = selectors.late_report_of(Incident.objects.get(pk=late["id"]))
    assert finding["is_late"] and finding["delay_seconds"] >= 7200 and finding["threshold_seconds"] == 3600
    assert TimelineEntry.objects.filter(incident_id=late["id"], action="late_report_flagged").exists()
    assert selectors.late_report_of(Incident.objects.get(pk=on_time["id"]))["is_late"] is False
    assert selectors.late_report_of(Incident.objects.get(pk=declare()["id"])) is None


def test_post_event_watch_links_a_recurrence_and_tells_the_lead_group(declare, api):
    first = declare(category="service_level", affected_system="ACD")
    walk(api, first["id"], "report", "activate", "execute", "request_termination", "approve_termination")
    again = declare(category="fund_loss", affected_system="ACD")  # same system, other category
    incident = Incident.objects.get(pk=again["id"])
    assert incident.related_incident_id == first["id"]
    assert TimelineEntry.objects.filter(incident=incident, action="recurrence_linked").exists()
    assert "phone_lead" in inbox_users(incident.pk, "recurrence_linked")
    unrelated = declare(category="disaster", affected_system="门禁")
    assert Incident.objects.get(pk=unrelated["id"]).related_incident_id is None


def test_post_event_watch_ends_after_its_period(declare, api):
    first = declare(category="service_level")
    walk(api, first["id"], "report", "activate", "execute", "request_termination", "approve_termination")
    Incident.objects.filter(pk=first["id"]).update(terminated_at=timezone.now() - timedelta(hours=73))
    again = declare(category="service_level")
    assert Incident.objects.get(pk=again["id"]).related_incident_id is None


def test_outage_clock_starts_on_declaration_and_recovery_cancels_it(declare, settings):
    settings.OUTAGE_LIMIT_SECONDS = 3600
    settings.OUTAGE_WARNING_SECONDS = [1800, 2700]
    incident = Incident.objects.get(pk=declare(category="system_outage", affected_system="IVR")["id"])
    kinds = sorted(pending(incident.pk).values_list("kind", flat=True))
    # the outage clock, and the hand-off to technical support waiting for its acknowledgement (Art. 7)
    assert kinds == ["ack_silent", "outage_limit", "outage_warning", "outage_warning"]
    services.outage_clock_start(incident=incident, outage_started_at=timezone.now())  # a duplicate `down`
    assert pending(incident.pk).count() == 4  # nothing doubled, the hand-off sent once
    limit = pending(incident.pk, "outage_limit").get()
    assert limit.due_at - incident.started_at == timedelta(seconds=3600)
    services.outage_clock_cancel(incident=incident, recovered_at=timezone.now())
    assert not pending(incident.pk).exists()
    assert "phone_lead" in inbox_users(incident.pk, "outage_recovered")


def test_outage_limit_reports_as_the_system(declare, settings):
    incident = Incident.objects.get(
        pk=declare(category="system_outage", affected_system="IVR", is_drill=True)["id"]
    )
    make_due(incident.pk, "outage_limit")
    services.timers_sweep()
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.state == "reported"
    entry = TimelineEntry.objects.get(incident=incident, action="report")
    assert entry.actor_name == "系统" and entry.comment == "outage exceeded 60 minutes"
    told = Notification.objects.filter(incident=incident, event="outage_reported", channel="inbox")
    assert {"gm", "supervisor"} <= set(told.values_list("recipient__username", flat=True))
    assert all(n.subject.startswith("【演练】") for n in told)  # drills say so everywhere
    assert not pending(incident.pk, "outage_warning").exists()
    assert selectors.late_report_of(incident)["is_late"] is False  # reported at the limit Art. 2 sets


def test_editing_a_policy_does_not_change_a_running_escalation(declare, api):
    services.policies_seed_defaults()
    policy = EscalationPolicy.objects.get(code="decision_pending")
    incident = declare(category="service_level")
    walk(api, incident["id"], "report")
    policy.steps = [{"after_seconds": 5, "audience": ["party:legal"], "event": "decision_pending"}]
    policy.full_clean()
    policy.save()
    timers = pending(incident["id"], TimerKind.DECISION_PENDING)
    assert timers.count() == 2
    assert all(t.payload["audience"] != ["party:legal"] for t in timers)
    another = declare(category="service_level")
    walk(api, another["id"], "report")
    assert pending(another["id"], TimerKind.DECISION_PENDING).get().payload["audience"] == ["party:legal"]


def test_a_policy_with_an_unknown_audience_is_refused():
    from django.core.exceptions import ValidationError

    policy = EscalationPolicy(code="x", name="x", steps=[{"after_seconds": 1, "audience": ["group:nobody"]}])
    with pytest.raises(ValidationError):
        policy.full_clean()


def test_deadlines_of_a_list_page_take_one_query(declare, api):
    ids = [declare(category="service_level")["id"] for _ in range(3)]
    for pk in ids:
        walk(api, pk, "report")
    incidents = list(Incident.objects.filter(pk__in=ids))
    with CaptureQueriesContext(connection) as few:
        incident_selectors.deadlines_for(incidents=incidents[:1])
    with CaptureQueriesContext(connection) as many:
        result = incident_selectors.deadlines_for(incidents=incidents)
    assert len(few) == len(many) == 1
    assert all(result[pk] and result[pk][0]["kind"] == "decision_pending" for pk in ids)
