"""The list API's direct representation (issue 12) says exactly what DRF's field-by-field walk says, for
incidents with and without a lead group, grade and times — so the faster path cannot drift from the schema."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework import serializers

from incidents import selectors
from incidents.api.serializers import IncidentListSerializer

from .lifecycle import move

pytestmark = pytest.mark.django_db


def test_api_list_fast_path_matches_drf(api, declare, org):
    fresh = declare(title="未报告的预警")["id"]
    walked = declare(title="已启动的事件", category="disaster")["id"]
    assert move(api, "supervisor", walked, "report").status_code == 200
    assert move(api, "gm", walked, "activate").status_code == 200
    incidents = list(selectors.incident_list(user=org["gm"]).filter(pk__in=[fresh, walked]))
    assert len(incidents) == 2
    for zone in ("Asia/Shanghai", "UTC"):  # UTC: DRF writes "Z" for "+00:00"
        with timezone.override(zone):
            for incident in incidents:
                serializer = IncidentListSerializer()
                fast = serializer.to_representation(incident)
                assert fast == serializers.ModelSerializer.to_representation(serializer, incident)
                assert fast["detected_at"].endswith("Z" if zone == "UTC" else "+08:00")
    listed = api("gm").get("/api/v1/incidents/").json()["results"]
    by_id = {row["id"]: row for row in listed}
    assert by_id[walked]["lead_group"] == "sudden" and by_id[walked]["activated_at"]
    assert by_id[fresh]["activated_at"] is None
