"""A real Celery worker (with its one embedded beat) and a private redis-server, as subprocesses.

The worker runs against the pytest-django test database (DATABASE_URL = the test DB) and a redis-server of
our own on a port in this app's range, so FLUSHALL and stopping the broker touch nobody else."""

from __future__ import annotations

import ast
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A loopback port nobody listens on now, so two suites on one machine don't share a private Redis."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxmemory-policy",
                "noeviction",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def flushall(self) -> None:
        redis.Redis.from_url(self.url).flushall()


# what the worker logs (Celery's format; times in the worker's local zone, which Django sets to TIME_ZONE)
_STAMP = r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/[^\]]+\] "
_READY = re.compile(_STAMP + r"\S+ ready\.$", re.M)
_SWEEP_DONE = re.compile(
    _STAMP + r"Task escalation\.timers_sweep\[[^\]]+\] succeeded in ([\d.e-]+)s: (\{.*\})$", re.M
)


def _logged_at(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


@dataclass(frozen=True)
class Sweep:
    """One run of the timer sweep, as the worker logged it: when it ran and what it counted."""

    started: datetime
    ended: datetime
    counts: dict[str, int]


class Worker:
    def __init__(self, broker_url: str, log_dir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.broker_url = broker_url
        self.log_dir = log_dir
        self.extra_env = extra_env or {}
        self.sweep_seconds = float(self.extra_env.get("ESCALATION_SWEEP_SECONDS", "1"))
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}",
            "REDIS_URL": self.broker_url,
            "CELERY_BROKER_URL": self.broker_url,
            "ESCALATION_SWEEP_SECONDS": "1",
            "ESCALATION_NUDGE_HORIZON_SECONDS": "60",
            "NOTIFICATION_RETRY_BACKOFF": "1,1",
            "DB_CONN_MAX_AGE": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            **self.extra_env,
        }
        self.starts += 1
        self.log = self.log_dir / f"worker-{self.starts}.log"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-B",
                "-s",
                str(self.log_dir / "beat-schedule"),
                "--concurrency",
                "2",
                "--loglevel",
                "INFO",
                "-n",
                f"esc-test-{self.starts}@%h",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "ready." in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"worker did not start:\n{self.log.read_text(errors='replace')[-3000:]}")

    def logs(self) -> str:
        return "".join(
            (self.log_dir / f"worker-{n}.log").read_text(errors="replace") for n in range(1, self.starts + 1)
        )

    def ready_at(self) -> datetime:
        """When the last started worker said it was ready (its own clock, as the rows' times)."""
        return _logged_at(_READY.findall(self.log.read_text(errors="replace"))[-1])

    def sweeps(self) -> list[Sweep]:
        """Every timer sweep the workers ran, from their logs (start = end - the run time Celery measured)."""
        runs = []
        for stamp, seconds, counts in _SWEEP_DONE.findall(self.logs()):
            ended = _logged_at(stamp)
            runs.append(Sweep(ended - timedelta(seconds=float(seconds)), ended, ast.literal_eval(counts)))
        return runs

    def ensure_running(self) -> bool:
        """What a supervisor (docker ``restart: unless-stopped``, systemd) does: restart a dead worker.
        Celery 5 / kombu can exit with "Unrecoverable error" when the Redis connection drops while messages
        are unacknowledged (kombu's restore_unacked on close); timers must survive that too."""
        if self.process is not None and self.process.poll() is not None:
            self.start()
        return True

    def kill9(self) -> None:
        """SIGKILL the worker, its pool children and its embedded beat — no chance to ack or clean up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None
