"""Pages and lists cost a fixed number of queries whatever their length (no N+1; DESIGN §8)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import services
from incidents.models import Incident
from incidents.policies import SYSTEM_USER
from teams.models import Team

pytestmark = pytest.mark.django_db


def make_incidents(count: int) -> None:
    phone = Team.objects.get(code="phone")
    Incident.objects.bulk_create(
        Incident(title=f"事件 {i}", category="system_outage", plan="phone", lead_group=phone,
                 detected_at="2026-11-01T00:00:00Z")
        for i in range(count)
    )  # fmt: skip


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_incident_list_queries_do_not_grow_with_the_page(api):
    client = api("supervisor")
    make_incidents(3)
    few = queries_for(client, "/api/v1/incidents/?state=monitoring")
    make_incidents(60)
    many = queries_for(client, "/api/v1/incidents/?state=monitoring")
    assert len(client.get("/api/v1/incidents/?state=monitoring").json()["results"]) == 50
    assert few == many


def test_incident_detail_and_timeline_queries_do_not_grow_with_the_timeline(api, declare):
    client = api("gm")
    pk = declare()["id"]
    detail_few = queries_for(client, f"/api/v1/incidents/{pk}/")
    timeline_few = queries_for(client, f"/api/v1/incidents/{pk}/timeline/")
    for i in range(120):
        services.incident_record_action(
            incident_id=pk, user=SYSTEM_USER, action="early_warning", comment=f"{i}"
        )
    assert queries_for(client, f"/api/v1/incidents/{pk}/") == detail_few
    assert queries_for(client, f"/api/v1/incidents/{pk}/timeline/") == timeline_few


def test_a_token_and_its_users_roles_cost_one_query(api, org):
    """Who calls and what they are in the organisation are read together with the token (issue 12: the role
    lookup was a query of its own on every API request); the refusals are DRF's as before."""
    from django.contrib.auth import get_user_model
    from django.utils import translation
    from rest_framework.test import APIClient

    assert queries_for(api("gm"), "/api/v1/me/") == 1
    assert api("gm").get("/api/v1/me/").json()["roles"] == ["leader"]
    assert api("auditor").post("/api/v1/incidents/", {}, format="json").status_code == 403, "roles applied"
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    with translation.override("zh-hans"):  # DRF's own words, in the desk's language
        invalid, inactive = (
            translation.gettext("Invalid token."),
            translation.gettext("User inactive or deleted."),
        )
    assert invalid != "Invalid token."
    refused = stranger.get("/api/v1/me/")
    assert refused.status_code == 401 and refused.json()["detail"] == invalid
    client = api("agent")
    get_user_model().objects.filter(pk=org["agent"].pk).update(is_active=False)
    refused = client.get("/api/v1/me/")
    assert refused.status_code == 401 and refused.json()["detail"] == inactive
