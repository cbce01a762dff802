"""One rule for every time the API accepts (issue 14): bodies, list filters and query parameters refuse an
implausible year or an offset no place uses with a 400 naming the field — never a database error."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

BAD_TIMES = [
    "0307-12-07T02:21:51-22:07",  # found by schemathesis: was a 500 (DataError)
    "2025-06-01T08:00:00-22:07",  # a plausible year, an offset PostgreSQL refuses
    "2025-06-01T08:00:00+15:00",
    "2150-01-01T00:00:00+08:00",
    "1900-01-01T00:00:00+08:00",
    "yesterday",
]


@pytest.mark.parametrize("value", BAD_TIMES)
@pytest.mark.parametrize("name", ["detected_after", "detected_before"])
def test_list_filters_refuse_implausible_times_naming_the_field(api, value, name):
    response = api("auditor").get("/api/v1/incidents/", {name: value})
    assert response.status_code == 400, response.content
    assert name in response.json()


@pytest.mark.parametrize("value", BAD_TIMES[:5])
def test_declaring_refuses_them_too(api, value):
    response = api("supervisor").post(
        "/api/v1/incidents/",
        {"title": "t", "category": "service_level", "detected_at": value},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "detected_at" in response.json()["errors"]


def test_the_extreme_real_offsets_are_accepted(api, declare):
    declared = declare(detected_at="2025-06-01T08:00:00+14:00")
    listed = api("auditor").get("/api/v1/incidents/", {"detected_after": "2025-06-01T07:00:00-12:00"})
    assert listed.status_code == 200
    assert declared["id"] not in [row["id"] for row in listed.json()["results"]]  # 19:00 UTC the day before
    listed = api("auditor").get("/api/v1/incidents/", {"detected_after": "2025-05-31T00:00:00+14:00"})
    assert declared["id"] in [row["id"] for row in listed.json()["results"]]


def test_the_error_is_in_english_for_an_english_client(api):
    response = api("auditor").get(
        "/api/v1/incidents/", {"detected_after": "2025-06-01T08:00:00+15:00"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["detected_after"] == ["The UTC offset must be between -12:00 and +14:00."]
