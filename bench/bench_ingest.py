"""Ingestion (DESIGN §8): interval figures per second through the API **over real HTTP** to gunicorn on
loopback (2 sync workers, DEBUG off) with the early-warning rules evaluated, and the import time of the
January 1999 call records. Own database: ``ed_bench_ingest`` (dropped and recreated each run).

The feed: 25 queues pushed in batches of 500 figures (25 queues × 20 intervals), two clients at once,
about 3 % of intervals bad in pairs so rules fire, open incidents and append to them as they would live.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import requests
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from bench import Figure

DB_NAME = "ed_bench_ingest"
PORT = int(os.environ.get("BENCH_INGEST_PORT", "18550"))
QUEUES = 25
INTERVALS_PER_BATCH = 20
CLIENTS = 2
CALLS = Path(os.environ.get("CALLS_FILE", "/work/shared/data/callcenter/anonymous-bank-1999-01.tsv"))
ROOT = Path(__file__).resolve().parent.parent


def _bench_database_url() -> str:
    parts = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/emergency_desk"))
    return urlunsplit(parts._replace(path=f"/{DB_NAME}"))


def _recreate_database(url: str) -> None:
    parts = urlsplit(url)
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {DB_NAME}")
    admin.close()


def _use_database() -> None:
    connections["default"].close()
    connections["default"].settings_dict["NAME"] = DB_NAME
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())


def _start_server(url: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "LOG_LEVEL": "WARNING", "DB_CONN_MAX_AGE": "60"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{PORT}/accounts/login/", timeout=5)
            return server
        except requests.RequestException:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def _batches(count: int) -> list[list[dict]]:
    rng = random.Random(5)
    now = timezone.now().replace(second=0, microsecond=0)
    first = (
        now - timedelta(minutes=now.minute % 15) - timedelta(minutes=15 * (count * INTERVALS_PER_BATCH + 1))
    )
    batches = []
    for b in range(count):
        batch = []
        for q in range(QUEUES):
            bad_from = rng.randrange(INTERVALS_PER_BATCH * 30)  # ~3 % of intervals start a bad pair
            for i in range(INTERVALS_PER_BATCH):
                start = first + timedelta(minutes=15 * (b * INTERVALS_PER_BATCH + i))
                offered = rng.randint(40, 160)
                bad = bad_from in (i, i - 1)
                answered = int(offered * (rng.uniform(0.45, 0.65) if bad else rng.uniform(0.85, 0.99)))
                within = int(answered * (rng.uniform(0.3, 0.45) if bad else rng.uniform(0.75, 0.95)))
                abandoned = offered - answered
                batch.append(
                    {
                        "queue": f"Q{q:02d}",
                        "interval_start": start.isoformat(),
                        "offered": offered,
                        "answered": answered,
                        "answered_within_threshold": within,
                        "abandoned": abandoned,
                        "short_abandons": abandoned // 10,
                        "asa_seconds": round(rng.uniform(3, 60), 1),
                        "complaints": rng.randint(0, 1),
                    }
                )
        batches.append(batch)
    return batches


def _push(batches: list[list[dict]], token: str) -> tuple[float, int, list[float]]:
    session_of: dict[int, requests.Session] = {}
    latencies: list[float] = []

    def send(index: int) -> int:
        import threading

        session = session_of.setdefault(threading.get_ident(), requests.Session())
        began = time.perf_counter()
        response = session.post(
            f"http://127.0.0.1:{PORT}/api/v1/monitoring/intervals/",
            json=batches[index],
            headers={"Authorization": f"Token {token}"},
            timeout=60,
        )
        latencies.append(time.perf_counter() - began)
        response.raise_for_status()
        return len(response.json()["warnings"])

    # Clients take batches in order, each client its own queues' time order is kept by the per-queue lock.
    began = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        warnings = sum(pool.map(send, range(len(batches))))
    return time.perf_counter() - began, warnings, latencies


def run(quick: bool) -> list[Figure]:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    url = _bench_database_url()
    _recreate_database(url)
    _use_database()
    token = Token.objects.get_or_create(user=get_user_model().objects.get(username="acd"))[0].key
    batches = _batches(4 if quick else 40)
    figures = sum(len(batch) for batch in batches)
    server = None
    try:
        server = _start_server(url)
        elapsed, warnings, latencies = _push(batches, token)
        again, repeated_warnings, _ = _push(batches, token)
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
    rate = figures / elapsed
    latencies.sort()
    results = [
        Figure(
            "monitoring",
            f"figures/s via HTTP, rules on ({figures} figs, {warnings} warnings)",
            rate,
            "fig/s",
            "≥ 2000",
            rate >= 2000,
        ),
        Figure(
            "monitoring",
            "p95 latency of a 500-figure batch",
            latencies[int(len(latencies) * 0.95) - 1] * 1000,
            "ms",
        ),
        Figure(
            "monitoring",
            "same batches again: idempotent no-op figures/s",
            figures / again,
            "fig/s",
            "0 new warnings",
            repeated_warnings == 0,
        ),
    ]
    if CALLS.exists():
        began = time.perf_counter()
        call_command("import_calls", str(CALLS), stdout=io.StringIO())
        results.append(
            Figure(
                "monitoring",
                "import_calls January 1999 (31,599 rows, rules on)",
                time.perf_counter() - began,
                "s",
            )
        )
    return results
