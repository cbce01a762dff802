"""Reports (DESIGN §8): a post-incident PDF in ≤ 2 s; the statistics page over 100,000 incidents in ≤ 500 ms.

Runs in its own database (``ed_bench_reports`` next to the configured one), created and migrated on first
use; the 100,000 incidents are bulk-created once and reused by later runs. The PDF is of an incident walked
through the real services (declare → … → close), rendered by WeasyPrint with the CJK font, as filed.
"""

from __future__ import annotations

import io
import os
import random
import statistics
import time
from datetime import timedelta
from pathlib import Path

from bench import Figure, stack

DB_NAME = "ed_bench_reports"
INCIDENTS = 100_000
STATIC_BACKEND = "django.contrib.staticfiles.storage.StaticFilesStorage"


def _bulk_incidents(count: int) -> None:
    """Operational history over two years, with drills and dismissed warnings mixed in, in one pass."""
    from django.db import connection
    from django.utils import timezone

    from incidents.models import Incident
    from incidents.plans import Category, Grade, default_plan_for

    existing = Incident.objects.filter(source="bench").count()
    if existing >= count:
        return
    rng = random.Random(7)
    now = timezone.now()
    categories = list(Category.values)
    grades = list(Grade.values)
    batch: list[Incident] = []
    for index in range(existing, count):
        detected = now - timedelta(minutes=rng.randint(60, 730 * 24 * 60))
        dismissed = rng.random() < 0.2
        category = rng.choice(categories)
        reported = detected + timedelta(minutes=rng.randint(1, 120))
        activated = reported + timedelta(minutes=rng.randint(1, 40))
        terminated = activated + timedelta(minutes=rng.randint(30, 600))
        fields = {
            "title": f"bench incident {index}",
            "category": category,
            "plan": default_plan_for(category) or "phone",
            "grade": rng.choice(grades),
            "is_drill": rng.random() < 0.03,
            "source": "bench",
            "detected_at": detected,
            "started_at": detected,
        }
        if dismissed:
            fields.update(state="dismissed", dismissed_at=detected + timedelta(minutes=30))
        else:
            fields.update(
                state="closed",
                reported_at=reported,
                decided_at=activated,
                activated_at=activated,
                executing_at=activated + timedelta(minutes=5),
                terminated_at=terminated,
                closed_at=terminated + timedelta(days=3),
            )
        # The state is given at construction: django-fsm's protected field refuses it only afterwards.
        incident = Incident(**fields)
        batch.append(incident)
        if len(batch) == 5000:
            Incident.objects.bulk_create(batch)
            batch = []
    if batch:
        Incident.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE incidents_incident")


def _timed(action, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run(quick: bool) -> list[Figure]:
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client, override_settings

    stack.ensure_database(DB_NAME)
    with stack.using_database(DB_NAME):
        call_command("migrate", verbosity=0)
        call_command("seed_demo", stdout=io.StringIO())
        from django.contrib.auth import get_user_model

        from incidents.models import Incident
        from reports import services as report_services
        from reports.models import FinalReport
        from reports.rendering import pdf_from_html
        from teams.models import Person
        from tests.reports.builders import complete_investigation, move, run_to_investigation

        org = {user.username: user for user in get_user_model().objects.all()}
        count = 2_000 if quick else INCIDENTS
        _bulk_incidents(count)

        incident = run_to_investigation(org, warned_in_advance=False, detected_minutes_ago=90)
        complete_investigation(org, incident)
        report_services.corrective_action_add(
            incident_id=incident.pk,
            user=org["gm"],
            data={
                "kind": "preventive",
                "title": "核心交换机改造为双机热备，每季度切换演练",
                "owner": Person.objects.get(user__username="phone_lead").pk,
                "due_date": "2030-03-31",
            },
        )
        move(org, "gm", incident, "close", comment="结案")
        final = FinalReport.objects.get(incident=incident)
        pdf_samples = _timed(lambda: pdf_from_html(final.html_zh), 3 if quick else 5)
        shots = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))
        shots.mkdir(parents=True, exist_ok=True)
        (shots / "report-bench.pdf").write_bytes(pdf_from_html(final.html_zh))

        client = Client()
        client.force_login(org["auditor"])
        # DEBUG=0 expects a collectstatic manifest; the bench measures the page, not static files.
        plain_static = override_settings(
            STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_BACKEND}}
        )
        plain_static.enable()
        client.get("/reports/statistics/")  # warm: templates, connection
        operational = Incident.objects.count()

        def statistics_page() -> None:
            if client.get("/reports/statistics/").status_code != 200:
                raise RuntimeError("statistics page failed")

        page_samples = _timed(statistics_page, 5 if quick else 15)
        plain_static.disable()

    pdf_median = statistics.median(pdf_samples)
    page_median = statistics.median(page_samples)
    page_worst = max(page_samples)
    return [
        Figure(
            "reports",
            "post-incident PDF (median of runs)",
            pdf_median,
            "ms",
            "<= 2000 ms",
            pdf_median <= 2000,
        ),
        Figure(
            "reports",
            f"statistics page over {operational:,} incidents (median)",
            page_median,
            "ms",
            "<= 500 ms",
            page_median <= 500 if not quick else None,
        ),
        Figure("reports", "statistics page (worst of runs)", page_worst, "ms", "", None),
    ]
