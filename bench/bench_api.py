"""DESIGN §8 "Web": with 100,000 incidents and 1,000,000 timeline entries in PostgreSQL, the incident list
API (page of 50, filtered) p95 ≤ 50 ms and the incident detail p95 ≤ 100 ms server time under 8 concurrent
clients; query count per page constant; list throughput ≥ 50 % of a trivial endpoint (``/api/v1/ping/``)
served by the same stack (gunicorn, 3 workers, PostgreSQL) in the same run.

Data lives in its own database ``ed_bench_api`` (``--quick``: ``ed_bench_api_quick``), loaded once with
bulk inserts and COPY and reused by later runs. Server time is Django's own (``Server-Timing`` header);
the round trip seen by the client is reported beside it.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import random
import statistics
import threading
import time
from datetime import timedelta

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import Figure, stack

CLIENTS = 8
PORT = int(os.environ.get("BENCH_API_PORT", "18811"))
STATES = [
    "monitoring",
    "reported",
    "activated",
    "executing",
    "terminated",
    "investigating",
    "closed",
    "dismissed",
]
RARE_STATE = "termination_requested"
RARE_COUNT = 20


def _load(incidents: int, entries_per_incident: int) -> None:
    from django.contrib.auth import get_user_model

    from incidents.models import Incident
    from teams.models import Team

    if Incident.objects.count() >= incidents:
        return
    call_command("seed_demo", stdout=io.StringIO())
    gm = get_user_model().objects.get(username="gm")
    teams = list(Team.objects.filter(code__in=Team.WORKING_GROUPS))
    plans = {"phone": "phone", "complaint": "complaint", "sudden": "sudden"}
    now = timezone.now()
    rng = random.Random(8)
    batch: list[Incident] = []
    for n in range(incidents):
        team = teams[n % len(teams)]
        state = RARE_STATE if n < RARE_COUNT else STATES[n % len(STATES)]
        batch.append(
            Incident(
                title=f"压测事件 {n}",
                description="bench",
                category="system_outage",
                plan=plans.get(team.code, ""),
                lead_group=team,
                grade=rng.choice(["I", "II", "III", "IV"]),
                is_drill=n % 10 == 0,
                detected_at=now - timedelta(minutes=n * 7),
                state=state,
                declared_by=gm,
            )
        )
        if len(batch) == 5000:
            Incident.objects.bulk_create(batch)
            batch = []
    if batch:
        Incident.objects.bulk_create(batch)

    columns = (
        "incident_id, seq, at, actor_id, actor_name, actor_role, kind, action, from_state, to_state, "
        "comment, payload, prev_hash, hash"
    )
    ids = list(Incident.objects.order_by("id").values_list("id", flat=True))
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 10_000):
            buffer = io.StringIO()
            for incident_id in ids[start : start + 10_000]:
                previous = "0" * 64
                for seq in range(1, entries_per_incident + 1):
                    digest = hashlib.sha256(f"{incident_id}.{seq}.{previous}".encode()).hexdigest()
                    at = (now - timedelta(minutes=seq)).isoformat()
                    buffer.write(
                        f"{incident_id}\t{seq}\t{at}\t{gm.pk}\t总经理\tleader\taction\tprogress_update\t\t\t"
                        f"进展 {seq}\t{{}}\t{previous}\t{digest}\n"
                    )
                    previous = digest
            buffer.seek(0)
            cursor.cursor.copy_expert(f"COPY incidents_timelineentry ({columns}) FROM STDIN", buffer)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _token() -> str:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=get_user_model().objects.get(username="gm"))[0].key


def _query_counts(token: str, incident_id: int) -> dict[str, int]:
    from rest_framework.test import APIClient

    client = APIClient(SERVER_NAME="127.0.0.1")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    counts = {}
    for name, url in [
        ("list, 50 rows", "/api/v1/incidents/?state=executing"),
        (f"list, {RARE_COUNT} rows", f"/api/v1/incidents/?state={RARE_STATE}"),
        ("detail", f"/api/v1/incidents/{incident_id}/"),
    ]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, secure=True)  # DEBUG off here: plain HTTP would be redirected
        assert response.status_code == 200, (url, response.status_code)
        counts[name] = len(queries)
    return counts


def _drive(
    base: str, paths: list[str], token: str | None, seconds: float, headers: dict[str, str] | None = None
) -> dict[str, list[float]]:
    """CLIENTS closed-loop clients, keep-alive connections, for ``seconds``; server and round-trip times
    (``headers``, e.g. a session cookie, instead of the token)."""
    host, port = base.removeprefix("http://").split(":")
    server: list[float] = []
    round_trip: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        sent = headers or ({"Authorization": f"Token {token}"} if token else {})
        rng = random.Random(index)
        local_server, local_trip, local_errors = [], [], 0
        while time.perf_counter() < stop_at:
            path = rng.choice(paths)
            started = time.perf_counter()
            conn.request("GET", path, headers=sent)
            response = conn.getresponse()
            response.read()
            local_trip.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                local_errors += 1
            timing = response.getheader("Server-Timing", "")
            if "dur=" in timing:
                local_server.append(float(timing.split("dur=")[1]))
        with lock:
            server.extend(local_server)
            round_trip.extend(local_trip)
            errors[0] += local_errors

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"server": server, "round_trip": round_trip, "errors": [errors[0]], "seconds": [seconds]}


def _p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]
    )


def run(quick: bool) -> list[Figure]:
    name = stack.bench_db_name("api", quick)
    incidents, per_incident = (2_000, 10) if quick else (100_000, 10)
    seconds = 4.0 if quick else 20.0
    stack.ensure_database(name)
    with stack.using_database(name):
        call_command("migrate", verbosity=0)
        _load(incidents, per_incident)
        with connection.cursor() as cursor:
            # What autovacuum does to a table after 20 % new rows (it is off on this shared machine): sets
            # the visibility map, so the list's exact COUNT is an index-only scan, not a visit of every heap
            # page (68 ms → 1.2 ms for 12,500 rows; docs/decisions.md, issue 12).
            cursor.execute("VACUUM ANALYZE incidents_incident")
        from incidents.models import Incident, TimelineEntry

        total_incidents = Incident.objects.count()
        total_entries = TimelineEntry.objects.count()
        token = _token()
        ids = list(Incident.objects.order_by("?").values_list("id", flat=True)[:500])
        counts = _query_counts(token, ids[0])
    print(f"   {name}: {total_incidents} incidents, {total_entries} timeline entries", flush=True)

    env = stack.stack_env(name, SERVER_TIMING="1")
    list_paths = [f"/api/v1/incidents/?state={state}" for state in ("executing", "activated", "monitoring")]
    list_paths += [f"/api/v1/incidents/?state=closed&page={page}" for page in (2, 3)]
    detail_paths = [f"/api/v1/incidents/{incident_id}/" for incident_id in ids]
    with stack.gunicorn(env, PORT) as base:
        _drive(base, ["/api/v1/ping/"], None, 2.0)  # warm up workers and connections
        _drive(base, list_paths, token, 2.0)
        ping = _drive(base, ["/api/v1/ping/"], None, seconds)
        me = _drive(base, ["/api/v1/me/"], token, seconds)
        listing = _drive(base, list_paths, token, seconds)
        detail = _drive(base, detail_paths, token, seconds)

    def rate(result: dict) -> float:
        return len(result["round_trip"]) / result["seconds"][0]

    ratio = rate(listing) / rate(ping) * 100 if rate(ping) else 0.0
    list_p95 = _p(listing["server"], 95)
    detail_p95 = _p(detail["server"], 95)
    scale = f"{total_incidents // 1000}k inc"
    figures = [
        Figure("web", f"incident list p50 server time ({scale}, 8 clients)", _p(listing["server"], 50), "ms"),
        Figure(
            "web",
            f"incident list p95 server time ({scale}, 8 clients)",
            list_p95,
            "ms",
            "≤ 50",
            list_p95 <= 50,
        ),
        Figure("web", "incident list p95 round trip (client side)", _p(listing["round_trip"], 95), "ms"),
        Figure("web", "incident detail p50 server time", _p(detail["server"], 50), "ms"),
        Figure("web", "incident detail p95 server time", detail_p95, "ms", "≤ 100", detail_p95 <= 100),
        Figure("web", "incident list throughput", rate(listing), "req/s"),
        Figure("web", "trivial endpoint (ping) throughput, same stack", rate(ping), "req/s"),
        Figure("web", "list throughput / trivial endpoint", ratio, "%", "≥ 50", ratio >= 50),
        Figure("web", "authenticated trivial endpoint (me) throughput", rate(me), "req/s"),
        Figure("web", "list throughput / authenticated trivial (info)", rate(listing) / rate(me) * 100, "%"),
        Figure(
            "web",
            "errors during the web benchmark",
            listing["errors"][0] + detail["errors"][0] + ping["errors"][0] + me["errors"][0],
            "count",
            "0",
            listing["errors"][0] + detail["errors"][0] + ping["errors"][0] + me["errors"][0] == 0,
        ),
    ]
    list_counts = [counts["list, 50 rows"], counts[f"list, {RARE_COUNT} rows"]]
    figures.append(
        Figure(
            "web",
            "queries per list page (50 rows)",
            list_counts[0],
            "queries",
            "= 20-row page",
            list_counts[0] == list_counts[1],
        )
    )
    figures.append(Figure("web", "queries per detail page", counts["detail"], "queries"))
    print("   " + json.dumps(counts, ensure_ascii=False), flush=True)
    return figures
