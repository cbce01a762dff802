"""The monitoring feed through the API as the demo integrator ``acd``: idempotency, rules, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalation.models import Notification, Timer
from incidents.models import Incident, TimelineEntry
from monitoring.models import EarlyWarning, IntervalFigure, MonitoredSystem, SystemEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/monitoring/intervals/"
EVENTS = "/api/v1/monitoring/system-events/"


def slot(minutes_ago: int) -> str:
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - timedelta(minutes=minutes_ago + now.minute % 15)
    return start.isoformat()


def figure(start: str, queue: str = "PS", **values) -> dict:
    body = {
        "queue": queue,
        "interval_start": start,
        "interval_minutes": 15,
        "offered": 100,
        "answered": 95,
        "answered_within_threshold": 85,
        "abandoned": 5,
        "short_abandons": 1,
        "asa_seconds": 8.5,
    }
    return {**body, **values}


def bad(start: str, queue: str = "PS") -> dict:
    """Answer rate 60 % and service level 30 %: below both severe thresholds."""
    return figure(start, queue, answered=60, answered_within_threshold=30, abandoned=40, short_abandons=4)


def test_one_figure_is_stored_with_its_formulas(api):
    response = api("acd").post(URL, figure(slot(30)), format="json")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    stored = IntervalFigure.objects.get()
    assert stored.answer_rate == 0.95 and stored.service_level == 0.85 and stored.abandonment_rate == 0.05
    assert stored.service_level_formula == "within_threshold/offered"
    assert stored.answer_rate_formula == "answered/offered"


def test_service_level_formula_chosen_by_the_vendor_is_applied_and_kept(api):
    body = figure(slot(30), service_level_formula="within_threshold/answered")
    assert api("acd").post(URL, body, format="json").status_code == 200
    stored = IntervalFigure.objects.get()
    assert stored.service_level == pytest.approx(85 / 95)
    assert stored.service_level_formula == "within_threshold/answered"


def test_the_same_batch_twice_changes_nothing(api):
    batch = [bad(slot(60)), bad(slot(45)), figure(slot(30)), figure(slot(15), queue="NW")]
    first = api("acd").post(URL, batch, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["created"] == 4 and len(first.json()["warnings"]) == 3
    snapshot = (
        list(IntervalFigure.objects.order_by("pk").values()),
        list(EarlyWarning.objects.order_by("pk").values()),
        list(Incident.objects.order_by("pk").values("pk", "state", "updated_at")),
        TimelineEntry.objects.count(),
    )
    second = api("acd").post(URL, batch, format="json")
    assert second.status_code == 200
    assert second.json() == {"received": 4, "created": 0, "updated": 0, "unchanged": 4, "warnings": []}
    assert snapshot == (
        list(IntervalFigure.objects.order_by("pk").values()),
        list(EarlyWarning.objects.order_by("pk").values()),
        list(Incident.objects.order_by("pk").values("pk", "state", "updated_at")),
        TimelineEntry.objects.count(),
    )


def test_a_corrected_figure_replaces_the_stored_one(api):
    start = slot(30)
    api("acd").post(URL, figure(start), format="json")
    response = api("acd").post(URL, figure(start, answered=90, abandoned=10), format="json")
    assert response.json()["updated"] == 1
    assert IntervalFigure.objects.get().answer_rate == 0.9


def test_a_rule_firing_opens_one_incident_with_the_evidence_then_appends(api):
    response = api("acd").post(URL, [bad(slot(90)), bad(slot(75))], format="json")
    warnings = response.json()["warnings"]
    assert {w["rule"] for w in warnings} == {"answer_rate_severe", "service_level_severe", "abandonment_high"}
    answer = next(w for w in warnings if w["rule"] == "answer_rate_severe")
    assert answer["threshold"] == 0.7 and answer["figure"] == 0.6 and answer["outcome"] == "declared"
    incident = Incident.objects.get(pk=answer["incident"])
    assert incident.state == "monitoring" and incident.category == "service_level"
    assert incident.source_key == "rule:answer_rate_severe:PS"
    told = Notification.objects.filter(incident=incident, event="early_warning", channel="inbox")
    assert set(told.values_list("recipient__username", flat=True)) >= {"phone_lead", "agent"}
    assert "PS" in told.first().subject
    declared = TimelineEntry.objects.get(incident=incident, action="declare")
    evidence = declared.payload["early_warning"]
    assert evidence["threshold"] == 0.7 and evidence["figure"] == 0.6 and len(evidence["intervals"]) == 2

    # Still bad in the next interval: the same episode, no new warning.
    assert api("acd").post(URL, bad(slot(60)), format="json").json()["warnings"] == []
    # Recovered, then bad again for two intervals: a new episode goes to the SAME open incident.
    api("acd").post(URL, figure(slot(45)), format="json")
    again = api("acd").post(URL, [bad(slot(30)), bad(slot(15))], format="json").json()["warnings"]
    answer_again = next(w for w in again if w["rule"] == "answer_rate_severe")
    assert answer_again["incident"] == incident.pk and answer_again["outcome"] == "appended"
    assert Incident.objects.filter(source_key="rule:answer_rate_severe:PS").count() == 1
    entry = TimelineEntry.objects.get(incident=incident, action="early_warning")
    assert entry.payload["figure"] == 0.6 and entry.payload["threshold"] == 0.7


def test_small_intervals_are_not_judged(api):
    tiny = [
        bad(slot(30))
        | {"offered": 10, "answered": 6, "answered_within_threshold": 3, "abandoned": 4, "short_abandons": 0},
        bad(slot(15))
        | {"offered": 10, "answered": 6, "answered_within_threshold": 3, "abandoned": 4, "short_abandons": 0},
    ]
    assert api("acd").post(URL, tiny, format="json").json()["warnings"] == []


def test_complaints_per_hour_rule_uses_the_complaint_feed(api):
    batch = [figure(slot(m), complaints=3) for m in (60, 45, 30)]
    assert api("acd").post(URL, batch, format="json").json()["warnings"] == []
    fired = api("acd").post(URL, figure(slot(15), complaints=3), format="json").json()["warnings"]
    assert [w["rule"] for w in fired] == ["complaints_mass"]
    assert fired[0]["figure"] == 12 and fired[0]["threshold"] == 10
    assert Incident.objects.get(pk=fired[0]["incident"]).category == "business_dispute"


def test_ingest_query_count_does_not_grow_with_the_batch(api):
    def queries_for(count: int, queue: str) -> int:
        batch = [figure(slot(15 * (i + 1)), queue=queue) for i in range(count)]
        with CaptureQueriesContext(connection) as ctx:
            assert api("acd").post(URL, batch, format="json").status_code == 200
        return len(ctx.captured_queries)

    queries_for(1, "warm-up")  # first request of the process: content types, caches
    assert queries_for(10, "A1") == queries_for(200, "A2")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"queue": "PS"}, "[0].interval_start"),
        (figure("2026-01-05T09:15:00"), "[0].interval_start"),  # no offset
        (figure("2026-01-05T09:10:00+08:00"), "[0].interval_start"),  # not aligned
        (
            figure(
                (timezone.now() + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0).isoformat()
            ),
            "[0].interval_start",
        ),  # future
        (figure("2026-01-05T09:15:00+08:00", offered=-1), "[0].offered"),
        (figure("2026-01-05T09:15:00+08:00", offered="many"), "[0].offered"),
        (figure("2026-01-05T09:15:00+08:00", answered=101), "[0].offered"),
        (figure("2026-01-05T09:15:00+08:00", answered_within_threshold=99), "[0].answered_within_threshold"),
        (figure("2026-01-05T09:15:00+08:00", interval_minutes=10), "[0].interval_minutes"),
        (figure("2026-01-05T09:15:00+08:00", service_level_formula="magic"), "[0].service_level_formula"),
        ([figure("2026-01-05T09:15:00+08:00"), figure("2026-01-05T09:15:00+08:00")], "[1].interval_start"),
        ("just a string", "[0]"),
        ([], "non_field_errors"),
        (figure("2026-01-05T09:15:00+08:00", queue="P\x00S"), "[0].queue"),  # was a 500 (NUL)
    ],
)
def test_bad_figures_are_refused_with_a_reason_and_nothing_is_stored(api, body, field):
    response = api("acd").post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert IntervalFigure.objects.count() == 0


def test_a_good_item_is_not_stored_when_another_in_its_batch_is_bad(api):
    response = api("acd").post(URL, [figure(slot(30)), figure(slot(15), offered=-5)], format="json")
    assert response.status_code == 400 and "[1].offered" in response.json()["errors"]
    assert IntervalFigure.objects.count() == 0


@pytest.mark.parametrize("username", ["agent", "gm", "auditor"])
def test_only_the_integrator_may_push(api, username):
    assert api(username).post(URL, figure(slot(30)), format="json").status_code == 403
    assert (
        api(username)
        .post(EVENTS, {"system": "crm", "status": "down", "at": slot(0)}, format="json")
        .status_code
        == 403
    )


def test_anonymous_is_refused(org):
    from rest_framework.test import APIClient

    assert APIClient().post(URL, figure(slot(30)), format="json").status_code in (401, 403)


# --- system events -------------------------------------------------------------------------------------


def event(status: str, minutes_ago: int = 0, system: str = "crm") -> dict:
    return {
        "system": system,
        "status": status,
        "at": (timezone.now() - timedelta(minutes=minutes_ago)).isoformat(),
    }


def test_down_opens_one_incident_second_down_is_a_no_op_and_up_records_recovery(api):
    acd = api("acd")
    first = acd.post(EVENTS, event("down", 10), format="json")
    assert first.status_code == 201, first.content
    incident = Incident.objects.get(pk=first.json()["incident"])
    assert incident.state == "monitoring" and incident.category == "system_outage"
    assert incident.source == "system" and incident.source_key == "system:crm"
    assert incident.affected_system == "crm"
    assert abs((incident.started_at - (timezone.now() - timedelta(minutes=10))).total_seconds()) < 5

    assert Notification.objects.filter(incident=incident, event="system_down").exists()
    # Art. 2: the 60-minute clock runs from the outage start, not from when we heard of it.
    limit = Timer.objects.get(incident=incident, kind="outage_limit", cancelled_at__isnull=True)
    assert abs((limit.due_at - incident.started_at).total_seconds() - settings.OUTAGE_LIMIT_SECONDS) < 1
    entries = TimelineEntry.objects.count()
    second = acd.post(EVENTS, event("down", 5), format="json")
    assert second.status_code == 200 and second.json()["changed"] is False
    assert second.json()["incident"] == incident.pk
    assert Incident.objects.count() == 1 and SystemEvent.objects.count() == 1
    assert TimelineEntry.objects.count() == entries

    up = acd.post(EVENTS, event("up", 1), format="json")
    assert up.status_code == 201 and up.json()["incident"] == incident.pk
    recovery = TimelineEntry.objects.get(incident=incident, action="system_recovered")
    assert not Timer.objects.filter(
        incident=incident, fired_at__isnull=True, cancelled_at__isnull=True
    ).exists()
    assert recovery.payload["system"] == "crm" and 500 < recovery.payload["outage_seconds"] < 700
    assert MonitoredSystem.objects.get(code="crm").status == "up"
    assert acd.post(EVENTS, event("up", 0), format="json").json()["changed"] is False

    # Down again while the first incident is still open: reused, never duplicated.
    again = acd.post(EVENTS, event("down", 0), format="json")
    assert again.status_code == 201 and again.json()["incident"] == incident.pk
    assert Incident.objects.filter(source_key="system:crm").count() == 1
    assert TimelineEntry.objects.filter(incident=incident, action="early_warning").count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        (event("down", system="mainframe-42"), "system"),
        (event("sideways"), "status"),
        ({"system": "crm", "status": "down", "at": "yesterday"}, "at"),
        (event("down", minutes_ago=-60), "at"),  # future
        (event("down", minutes_ago=60 * 24 * 3), "at"),  # far past
        ({"status": "down", "at": timezone.now().isoformat()}, "system"),
        (event("down", system="\x00crm"), "system"),  # PostgreSQL cannot compare a NUL: was a 500
        (event("down", system="c" * 51), "system"),
    ],
)
def test_bad_system_events_are_refused_with_a_reason(api, body, field):
    response = api("acd").post(EVENTS, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert SystemEvent.objects.count() == 0 and Incident.objects.count() == 0


def test_unknown_system_names_the_registry(api):
    response = api("acd").post(EVENTS, event("down", system="mainframe-42"), format="json")
    assert "mainframe-42" in response.json()["errors"]["system"][0]


def test_an_event_older_than_the_current_status_is_a_conflict(api):
    api("acd").post(EVENTS, event("down", 10), format="json")
    stale = api("acd").post(EVENTS, event("up", 20), format="json")
    assert stale.status_code == 409 and stale.json()["current_state"] == "down"


def test_the_feed_is_documented_in_the_openapi_schema(api):
    schema = api("gm").get("/api/schema/?format=json").json()
    assert "/api/v1/monitoring/intervals/" in schema["paths"]
    post = schema["paths"]["/api/v1/monitoring/system-events/"]["post"]
    assert {"200", "201", "400", "403", "409"} <= set(post["responses"])
