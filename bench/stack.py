"""A real serving stack for benchmarks and the load test: its own PostgreSQL database, gunicorn on a
loopback port, optionally a Celery worker. Used by ``bench_api`` and ``scripts/load.sh``."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg2
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent


def database_url(name: str) -> str:
    db = connections["default"].settings_dict
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


def bench_db_name(area: str, quick: bool = False) -> str:
    """``ed_bench_<area>`` (``_quick`` for small data); ``BENCH_DB_PREFIX`` replaces ``ed_bench`` so that two
    people benchmarking on one server keep their data apart."""
    return f"{os.environ.get('BENCH_DB_PREFIX', 'ed_bench')}_{area}" + ("_quick" if quick else "")


def ensure_database(name: str) -> None:
    db = connections["default"].settings_dict
    conn = psycopg2.connect(
        dbname="postgres",
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


@contextlib.contextmanager
def using_database(name: str) -> Iterator[None]:
    """Point this process's default connection at database ``name`` for the block, then back."""
    connection = connections["default"]
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)


def stack_env(db_name: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(db_name),
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int = 3, threads: int = 1) -> Iterator[str]:
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--log-level",
        "warning",
        "--keep-alive",
        "30",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        _wait_for(f"{base}/api/v1/ping/", process)
        yield base
    finally:
        _stop(process)


@contextlib.contextmanager
def celery_worker(env: dict[str, str]) -> Iterator[None]:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--loglevel",
        "WARNING",
        "--concurrency",
        "2",
        "--hostname",
        f"bench-{os.getpid()}@%h",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        yield
    finally:
        _stop(process)


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
