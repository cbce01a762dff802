"""The monitoring page and the incident chart partial, as a supervisor (and an integrator) would see them."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import Incident
from monitoring import selectors
from monitoring.models import EarlyWarning, Queue

pytestmark = pytest.mark.django_db

URL = "/api/v1/monitoring/intervals/"


def post_series(api, queue: str, values: list[tuple[int, int]]) -> None:
    """(offered, answered) per consecutive 15-minute interval, ending with the last finished one."""
    now = timezone.now().replace(second=0, microsecond=0)
    last = now - timedelta(minutes=15 + now.minute % 15)
    batch = []
    for i, (offered, answered) in enumerate(values):
        start = last - timedelta(minutes=15 * (len(values) - 1 - i))
        batch.append(
            {
                "queue": queue,
                "interval_start": start.isoformat(),
                "offered": offered,
                "answered": answered,
                "answered_within_threshold": answered,
                "abandoned": offered - answered,
            }
        )
    assert api("acd").post(URL, batch, format="json").status_code == 200


def logged_in(org, username: str) -> Client:
    client = Client()
    client.force_login(org[username])
    return client


def test_page_shows_the_chart_with_thresholds_and_warnings(org, api):
    post_series(api, "PS", [(100, 95), (100, 60), (100, 50), (100, 96)])
    page = logged_in(org, "supervisor").get("/monitoring/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "vendor/chart.umd.min.js" in html and "monitoring/monitoring-chart.js" in html
    assert "cdn" not in html.lower()
    assert not re.search(r"<script>(?!\s*$)", html) and " onclick=" not in html  # no inline JS
    data = json.loads(
        re.search(r'<script id="queue-chart-data" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    assert [p["answer_rate"] for p in data["points"]] == [95.0, 60.0, 50.0, 96.0]
    assert {t["value"] for t in data["thresholds"]} == {80.0, 70.0, 50.0}
    marked = [p for p in data["points"] if p["warnings"]]
    assert len(marked) == 1 and marked[0]["answer_rate"] == 50.0
    assert {w["rule"] for w in marked[0]["warnings"]} >= {"answer_rate_severe", "abandonment_high"}


def test_the_page_is_for_the_organisation_not_the_integrator(org):
    assert logged_in(org, "auditor").get("/monitoring/").status_code == 200
    assert logged_in(org, "acd").get("/monitoring/").status_code == 403
    assert Client().get("/monitoring/").status_code == 302


def test_chart_queries_do_not_grow_with_the_span(org, api):
    post_series(api, "PS", [(100, 95)] * 4)
    queue = Queue.objects.get(code="PS")
    end = timezone.now()
    with CaptureQueriesContext(connection) as short:
        selectors.chart_series(queue=queue, start=end - timedelta(hours=1), end=end)
    post_series(api, "PS", [(100, 95)] * 80)
    with CaptureQueriesContext(connection) as long:
        selectors.chart_series(queue=queue, start=end - timedelta(days=2), end=end)
    assert len(short.captured_queries) == len(long.captured_queries)


def test_incident_raised_by_a_rule_embeds_its_chart(org, api):
    post_series(api, "NW", [(100, 95), (100, 60), (100, 55), (100, 96)])
    warning = EarlyWarning.objects.get(rule_code="answer_rate_severe")
    incident = warning.incident
    html = Template("{% load monitoring_charts %}{% incident_chart incident %}").render(
        Context({"incident": incident})
    )
    data = json.loads(re.search(r'type="application/json">(.*?)</script>', html, re.S)[1])
    assert data["queue"] == "NW" and len(data["points"]) == 4
    assert [w["rule"] for p in data["points"] for w in p["warnings"]] == ["answer_rate_severe"]


def test_other_incidents_render_no_chart(org, declare):
    incident = Incident.objects.get(pk=declare("supervisor")["id"])
    html = Template("{% load monitoring_charts %}{% incident_chart incident %}").render(
        Context({"incident": incident})
    )
    assert html.strip() == ""


def test_replayed_data_is_charted_on_its_own_days(org, tmp_path):
    from monitoring.callrecords import COLUMNS

    header = "\t".join(COLUMNS) + "\n"
    row = (
        "\t".join(
            [
                "AA0101",
                "{id}",
                "0",
                "2",
                "PS",
                "990104",
                "9:0{m}:01",
                "9:0{m}:05",
                "4",
                "9:0{m}:05",
                "9:0{m}:15",
            ]
            + ["10", "AGENT", "9:00:15", "9:01:00", "45", "DAN"]
        )
        + "\n"
    )
    path = tmp_path / "calls.tsv"
    path.write_text(header + "".join(row.format(id=i, m=i) for i in range(5)))
    call_command("import_calls", str(path), stdout=io.StringIO())
    page = logged_in(org, "supervisor").get("/monitoring/?queue=PS")
    assert page.status_code == 200 and "01-04 15:00" in page.content.decode()  # 09:00 Israel = 15:00 Shanghai
