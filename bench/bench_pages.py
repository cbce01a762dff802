"""The incident page under load (DESIGN §8): p95 server time ≤ 100 ms with 8 concurrent clients, over a
PostgreSQL database holding many incidents and timeline entries.

Runs in its own database (``ed_bench_pages``), created, migrated and filled on first use and reused later:
100,000 incidents and 1,000,000 timeline entries (``--quick``: 2,000 and 20,000), plus one incident with
200 entries. A real gunicorn (2 sync workers on 127.0.0.1:18650, or ``BENCH_PAGES_PORT``) serves the pages
with DEBUG off; 8 client threads signed in as ``gm`` fetch random incident pages (every tenth the 200-entry
one). Server time is gunicorn's own per-request time (``%(D)s`` in its access log); the client figures add
the wait in the listen queue and loopback.
"""

from __future__ import annotations

import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from bench import Figure, stack

DB_NAME = "ed_bench_pages"
CLIENTS = 8
PORT = int(os.environ.get("BENCH_PAGES_PORT", "18650"))


def _fill(incidents: int, entries_per_incident: int) -> tuple[list[int], int, int]:
    """Bulk data: incidents by the ORM, timeline entries by one INSERT … SELECT (the append-only trigger
    refuses only UPDATE and DELETE). The entries carry placeholder hashes: pages never verify the chain."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from incidents.models import Incident, State
    from incidents.plans import Category, Grade, default_plan_for
    from teams.models import Team

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    existing = Incident.objects.filter(source="bench").count()
    if existing < incidents:
        rng = random.Random(11)
        now = timezone.now()
        teams = {team.code: team for team in Team.objects.all()}
        states = [State.EXECUTING, State.TERMINATED, State.CLOSED, State.DISMISSED, State.MONITORING]
        batch = []
        for index in range(existing, incidents):
            category = rng.choice(Category.values)
            plan = default_plan_for(category) or "phone"
            batch.append(
                Incident(
                    title=f"bench incident {index}",
                    category=category,
                    plan=plan,
                    lead_group=teams.get(plan),
                    grade=rng.choice(Grade.values),
                    is_drill=rng.random() < 0.05,
                    source="bench",
                    detected_at=now - timedelta(minutes=rng.randint(10, 700 * 24 * 60)),
                    situation="接通率持续低于 70%",
                    impact="约 300 名客户无法接通",
                    state=rng.choice(states),
                )
            )
            if len(batch) == 5000:
                Incident.objects.bulk_create(batch)
                batch = []
        Incident.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM incidents_timelineentry")
        if cursor.fetchone()[0] < incidents * entries_per_incident:
            cursor.execute(
                """
                INSERT INTO incidents_timelineentry
                    (incident_id, seq, at, actor_name, actor_role, kind, action, from_state, to_state,
                     comment, payload, prev_hash, hash)
                SELECT i.id, s.seq, i.detected_at + s.seq * interval '3 minutes', '张接通', 'group_lead',
                       'action', 'progress_update', i.state, i.state, '第 ' || s.seq || ' 条最新进展',
                       '{}'::jsonb, md5(i.id || '-' || (s.seq - 1)) || md5('p'),
                       md5(i.id || '-' || s.seq) || md5('h')
                FROM incidents_incident i
                CROSS JOIN generate_series(1, %s) AS s(seq)
                WHERE i.source = 'bench'
                  AND NOT EXISTS (SELECT 1 FROM incidents_timelineentry t WHERE t.incident_id = i.id)
                """,
                [entries_per_incident],
            )
        cursor.execute("ANALYZE")
    big = Incident.objects.filter(source="bench-200").first()
    if big is None:
        big = Incident.objects.create(
            title="bench incident with 200 entries",
            category="system_outage",
            plan="phone",
            source="bench-200",
            detected_at=timezone.now(),
            state=State.EXECUTING,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO incidents_timelineentry
                    (incident_id, seq, at, actor_name, actor_role, kind, action, from_state, to_state,
                     comment, payload, prev_hash, hash)
                SELECT %s, s.seq, now(), '张接通', 'group_lead', 'action', 'progress_update', 'executing',
                       'executing', '第 ' || s.seq || ' 条', '{}'::jsonb, md5('p' || s.seq) || md5('p'),
                       md5('h' || s.seq) || md5('h')
                FROM generate_series(1, 200) AS s(seq)
                """,
                [big.pk],
            )
    ids = list(Incident.objects.filter(source="bench").order_by("?").values_list("pk", flat=True)[:500])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM incidents_timelineentry")
        entries = cursor.fetchone()[0]
    return [big.pk, *ids], Incident.objects.count(), entries


def _session_cookie() -> str:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="gm"))
    return client.cookies["sessionid"].value


def _serve(database_url: str, access_log: Path) -> subprocess.Popen:
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789"),
    }
    # DEBUG off serves static files from the manifest, as production does: build it first.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=root, env=env, check=True
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            # sync workers, one per core: %(D)s is then the page's own time, not time spent waiting for
            # the GIL behind other threads (requests beyond two wait in the listen queue: the client figure)
            "--workers",
            "2",
            "--log-level",
            "warning",
            # the server's own time per request (microseconds): gunicorn's %(D)s
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(D)s %(U)s",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return server


def _measure(ids: list[int], cookie: str, requests_per_client: int) -> tuple[list[float], list[float], int]:
    import requests

    base = f"http://127.0.0.1:{PORT}"
    big_id = ids[0]
    timings: list[float] = []
    big_timings: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client(seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)
        session = requests.Session()
        session.cookies.set("sessionid", cookie)
        for index in range(requests_per_client):
            incident_id = big_id if index % 10 == 0 else rng.choice(ids[1:])
            started = time.perf_counter()
            response = session.get(f"{base}/incidents/{incident_id}/", timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if response.status_code != 200 or response.url.rstrip("/").endswith("login"):
                    errors += 1
                (big_timings if incident_id == big_id else timings).append(elapsed)

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, big_timings, errors


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] if len(values) > 1 else (values[0] if values else 0.0)


def run(quick: bool) -> list[Figure]:
    import requests

    incidents, per_incident = (2_000, 10) if quick else (100_000, 10)
    stack.ensure_database(DB_NAME)
    url = stack.database_url(DB_NAME)
    with stack.using_database(DB_NAME):
        ids, incident_count, entry_count = _fill(incidents, per_incident)
        cookie = _session_cookie()
    access_log = Path(tempfile.mkdtemp(prefix="bench-pages-")) / "access.log"
    server = _serve(url, access_log)
    try:
        for _attempt in range(100):
            try:
                requests.get(f"http://127.0.0.1:{PORT}/accounts/login/", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.2)
        _measure(ids, cookie, 5)  # warm both workers' connections and caches
        warm_lines = len(access_log.read_text().splitlines()) if access_log.exists() else 0
        timings, big_timings, errors = _measure(ids, cookie, 25 if quick else 60)
        load = os.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(timeout=10)
    served = [line.split() for line in access_log.read_text().splitlines()[warm_lines:]]
    big_path = f"/incidents/{ids[0]}/"
    server_ms = [int(d) / 1000 for d, path in served if path.startswith("/incidents/") and path != big_path]
    big_server_ms = [int(d) / 1000 for d, path in served if path == big_path]
    data = f"{incident_count:,} incidents, {entry_count:,} entries"
    return [
        Figure(
            "pages",
            f"incident page p95 server time, 8 clients ({data})",
            _p95(server_ms),
            "ms",
            "≤ 100 ms",
            _p95(server_ms) <= 100,
        ),
        Figure("pages", "incident page p50 server time", statistics.median(server_ms), "ms"),
        Figure("pages", "incident page p95 at the client", _p95(timings), "ms"),
        Figure("pages", "incident page p50 at the client", statistics.median(timings), "ms"),
        Figure(
            "pages",
            "incident page with 200 timeline entries, p95 server time",
            _p95(big_server_ms),
            "ms",
            "≤ 100 ms",
            _p95(big_server_ms) <= 100,
        ),
        Figure("pages", "non-200 answers", errors, "count", "0", errors == 0),
        # the machine is shared: a busy one inflates every figure above, so say how busy it was
        Figure("pages", "load average (1 min) at the end of the run", load, ""),
    ]
