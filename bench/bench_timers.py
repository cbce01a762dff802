"""Timers (DESIGN §8): 1,000 timers due within the same minute — p50/p99 lateness, lost, fired twice — with a
real Celery worker (+ its one beat) on PostgreSQL and a private Redis; then the same with the worker killed -9
mid-run (a supervisor restarts it) and with Redis flushed mid-run. Last (issue 15), two schedulers (separate
``celery beat`` processes, one leading through the PostgreSQL lock) with the nudges off so the sweep alone
fires the timers: quiet, and with the leading scheduler killed -9 mid-run (goal: p99 ≤ 2 sweep periods),
printed side by side with the quiet figure (nudges on); then a backlog — all 1,000 due in the same second —
which the sweep fires in chunks, one transaction each, handed out to every worker process.

Own database ``ed_bench_timers`` and a private ``redis-server`` on a free port: nothing else is touched.
Lateness = ``fired_at - due_at`` (the row is fired in the same transaction as its notification is written);
lost = a timer whose user never got its inbox message; doubled = one that got it twice.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from bench import Figure, stack
from tests.escalation.worker import RedisServer

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("BENCH_TIMERS_DB", "ed_bench_timers")  # another name: two runs side by side
SWEEP_SECONDS = 1


def _use_bench_database() -> dict:
    stack.ensure_database(DB_NAME)
    connections.close_all()
    old = dict(connection.settings_dict)
    connection.settings_dict["NAME"] = DB_NAME
    call_command("migrate", verbosity=0)
    return old


class _Processes:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        # The same private redis-server the worker tests use, on a free loopback port.
        self.redis = RedisServer()
        self.worker: subprocess.Popen | None = None
        self.url = self.redis.url
        self.starts = 0
        self.restart_seconds: list[float] = []
        self.schedulers: list[tuple[subprocess.Popen, Path]] = []
        self.handover_seconds: list[float] = []
        self.embedded_beat = True
        self.extra_env: dict[str, str] = {}

    def start_redis(self) -> None:
        self.redis.start()

    def start_worker(
        self, embedded_beat: bool | None = None, extra_env: dict[str, str] | None = None
    ) -> None:
        """Without arguments: as last time (what a supervisor restarting it does)."""
        if embedded_beat is not None:
            self.embedded_beat = embedded_beat
        if extra_env is not None:
            self.extra_env = extra_env
        params = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{params['USER'] or 'postgres'}@{params['HOST'] or '127.0.0.1'}:"
            f"{params['PORT'] or 5432}/{DB_NAME}",
            "REDIS_URL": self.url,
            "CELERY_BROKER_URL": self.url,
            "ESCALATION_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            **self.extra_env,
        }
        self.starts += 1
        began = time.monotonic()
        log = self.workdir / f"worker-{self.starts}.log"
        self.worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                *(["-B", "-s", str(self.workdir / "beat")] if self.embedded_beat else []),
                "--concurrency",
                "2",
                "--loglevel",
                "INFO",
                "-n",
                f"bench-timers-{self.starts}@%h",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "ready." not in log.read_text(errors="replace"):
            time.sleep(0.1)
        if self.starts > 1:
            self.restart_seconds.append(time.monotonic() - began)

    def start_schedulers(self, count: int, extra_env: dict[str, str]) -> None:
        """Separate ``celery beat`` processes; one leads (ops.scheduler), the others stand by."""
        params = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{params['USER'] or 'postgres'}@{params['HOST'] or '127.0.0.1'}:"
            f"{params['PORT'] or 5432}/{DB_NAME}",
            "CELERY_BROKER_URL": self.url,
            "ESCALATION_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "DEBUG": "0",
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        for n in range(count):
            log = self.workdir / f"beat-{n}-{time.monotonic_ns()}.log"
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
                 "-s", str(self.workdir / f"beat-{n}")],
                cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            self.schedulers.append((process, log))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.leader() is None:
            time.sleep(0.2)

    def leader(self) -> subprocess.Popen | None:
        for process, log in self.schedulers:
            text = log.read_text(errors="replace")
            if process.poll() is None and text.rfind("took the leader lock") > text.rfind("lost the leader"):
                return process
        return None

    def kill_leader(self) -> None:
        """SIGKILL the leading beat and time until a standby logs that it took the lock."""
        leader = self.leader()
        if leader is None:
            raise RuntimeError("no leading scheduler to kill")
        os.killpg(leader.pid, signal.SIGKILL)
        leader.wait(10)
        killed = time.monotonic()
        while self.leader() is None and time.monotonic() - killed < 60:
            time.sleep(0.05)
        self.handover_seconds.append(time.monotonic() - killed)

    def stop_schedulers(self) -> None:
        for process, _ in self.schedulers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(20)
        self.schedulers = []

    def kill_worker(self) -> None:
        if self.worker and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait(10)

    def stop_worker(self) -> None:
        if self.worker and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGTERM)
            try:
                self.worker.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.worker.pid, signal.SIGKILL)
                self.worker.wait(10)
        self.worker = None

    def stop(self) -> None:
        self.stop_schedulers()
        if self.worker and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGTERM)
            try:
                self.worker.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.worker.pid, signal.SIGKILL)
        self.redis.stop()


def _point_celery_at(url: str) -> None:
    from config.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def _setup_incidents(count: int):
    from django.contrib.auth import get_user_model

    from escalation.models import Notification, Timer
    from incidents import services as incident_services
    from incidents.models import Incident
    from incidents.policies import SYSTEM_USER

    Notification.objects.all().delete()
    Timer.objects.all().delete()
    user, _ = get_user_model().objects.get_or_create(username="bench-timers")
    incidents = list(Incident.objects.filter(title="bench timers")[:count])
    while len(incidents) < count:
        incidents.append(
            incident_services.incident_declare(
                user=SYSTEM_USER,
                data={
                    "title": "bench timers",
                    "category": "service_level",
                    "description": "bench",
                    "detected_at": timezone.now().isoformat(),
                },
            )
        )
    return user, incidents


def _scenario(
    name: str, processes: _Processes, user, incidents, timers: int, window: float, event, bound: float
) -> list[Figure]:
    from escalation import services
    from escalation.models import Notification, Timer, TimerKind

    lead_in = 8.0
    start = timezone.now() + timedelta(seconds=lead_in)
    with transaction.atomic():
        ids = [
            services.timer_schedule(
                incident=incidents[n % len(incidents)],
                kind=TimerKind.REMINDER,
                due_at=start + timedelta(seconds=window * n / timers),
                payload={"audience": [f"user:{user.pk}"], "event": "reminder", "context": {"text": str(n)}},
            ).pk
            for n in range(timers)
        ]
    if event is not None:
        time.sleep(lead_in + window / 2)
        event()
    deadline = time.monotonic() + lead_in + window + 60
    while time.monotonic() < deadline:
        if not Timer.objects.filter(pk__in=ids, fired_at__isnull=True).exists():
            break
        if processes.worker is None or processes.worker.poll() is not None:
            processes.start_worker()  # what the process supervisor does
        time.sleep(0.5)
    time.sleep(2)
    rows = Timer.objects.filter(pk__in=ids).values_list("due_at", "fired_at")
    lateness = sorted((fired - due).total_seconds() for due, fired in rows if fired is not None)
    got = Counter(
        Notification.objects.filter(timer_id__in=ids, channel="inbox").values_list("timer_id", flat=True)
    )
    lost = sum(1 for pk in ids if got[pk] == 0)
    doubled = sum(1 for pk in ids if got[pk] > 1)
    p50 = statistics.median(lateness) if lateness else float("nan")
    p99 = lateness[max(0, int(len(lateness) * 0.99) - 1)] if lateness else float("nan")
    label = f"{timers} timers in {window:.0f}s{name}"
    return [
        Figure("timers", f"{label}: lateness p50", p50, "s"),
        Figure("timers", f"{label}: lateness p99", p99, "s", f"≤ {bound:.1f} s", p99 <= bound),
        Figure("timers", f"{label}: lateness max", lateness[-1] if lateness else float("nan"), "s"),
        Figure("timers", f"{label}: lost", lost, "timers", "0", lost == 0),
        Figure("timers", f"{label}: fired twice", doubled, "timers", "0", doubled == 0),
    ]


def _scheduler_failover(
    processes: _Processes, user, timers: int, window: float, quiet_with_nudges: Figure
) -> list[Figure]:
    """Worker without its own beat, two ``celery beat`` processes, nudges off (horizon 0 s, here and in the
    processes): every timer waits for a sweep. Quiet, then with the leading scheduler killed -9 mid-run, then
    a backlog: every timer due in the same second (what a sweep finds after the schedulers were down), which
    the sweep hands out in chunks to both worker processes. Printed side by side with the quiet figure of
    the first scenario (nudges on)."""
    no_nudges = {"ESCALATION_NUDGE_HORIZON_SECONDS": "0"}
    processes.stop_worker()
    processes.start_worker(embedded_beat=False, extra_env=no_nudges)
    processes.start_schedulers(2, no_nudges)
    saved_horizon = settings.ESCALATION_NUDGE_HORIZON_SECONDS
    settings.ESCALATION_NUDGE_HORIZON_SECONDS = 0
    try:
        bound = 2 * SWEEP_SECONDS
        _, incidents = _setup_incidents(20)
        quiet = _scenario(
            ", 2 schedulers, sweep only", processes, user, incidents, timers, window, None, bound
        )
        _, incidents = _setup_incidents(20)
        killed = _scenario(
            ", 2 schedulers, leader kill -9", processes, user, incidents, timers, window,
            processes.kill_leader, bound,
        )  # fmt: skip
        _, incidents = _setup_incidents(20)
        backlog = _scenario(", sweep only: a backlog", processes, user, incidents, timers, 0.0, None, bound)
    finally:
        settings.ESCALATION_NUDGE_HORIZON_SECONDS = saved_horizon
    handover = max(processes.handover_seconds or [float("nan")])
    ratio = killed[1].value / quiet[1].value if quiet[1].value else float("nan")
    side_by_side = [
        Figure("timers", "timer lateness p99, quiet, nudges on (worker + beat)", quiet_with_nudges.value,
               "s", quiet_with_nudges.goal, quiet_with_nudges.ok),
        Figure("timers", "timer lateness p99, quiet, sweep only (2 schedulers)", quiet[1].value, "s",
               quiet[1].goal, quiet[1].ok),
        Figure("timers", "timer lateness p99, leader killed -9, sweep only", killed[1].value, "s",
               killed[1].goal, killed[1].ok),
        Figure("timers", "  ratio killed / quiet (sweep only)", ratio, "x"),
    ]  # fmt: skip
    return [
        *side_by_side,
        quiet[0],
        killed[0],
        killed[2],
        killed[3],
        killed[4],
        Figure(
            "timers",
            "  standby took the leader lock after kill -9",
            handover,
            "s",
            f"≤ {bound:.1f} s",
            handover <= bound,
        ),
        backlog[0],
        Figure("timers", backlog[1].name, backlog[1].value, "s"),  # a backlog: no period-based goal
        backlog[2],
        backlog[3],
        backlog[4],
        Figure(
            "timers", "  backlog drained at", timers / backlog[2].value if backlog[2].value else 0, "timers/s"
        ),
    ]


def run(quick: bool) -> list[Figure]:
    timers, window = (100, 10.0) if quick else (1000, 60.0)
    old = _use_bench_database()
    workdir = Path(tempfile.mkdtemp(prefix="bench-timers-"))
    processes = _Processes(workdir)
    figures: list[Figure] = []
    try:
        processes.start_redis()
        _point_celery_at(processes.url)
        processes.start_worker()
        user, incidents = _setup_incidents(20)
        quiet = _scenario("", processes, user, incidents, timers, window, None, bound=1.0)
        figures += quiet

        def kill() -> None:
            processes.kill_worker()

        _setup_incidents(20)
        # Killed: the timers due while no worker runs are late by the restart plus one sweep period.
        kill_figures = _scenario(
            ", worker kill -9 mid-run", processes, user, incidents, timers, window, kill, 0
        )
        restart = max(processes.restart_seconds or [float("nan")])
        bound = restart + SWEEP_SECONDS + 1
        kill_figures[1] = Figure(
            "timers",
            kill_figures[1].name,
            kill_figures[1].value,
            "s",
            f"≤ restart+sweep+1 ({bound:.1f} s)",
            kill_figures[1].value <= bound,
        )
        figures += kill_figures
        figures.append(
            Figure("timers", f"  worker restart (supervisor), sweep every {SWEEP_SECONDS} s", restart, "s")
        )

        def flush() -> None:
            redis.Redis.from_url(processes.url).flushall()

        _setup_incidents(20)
        figures += _scenario(
            ", Redis FLUSHALL mid-run",
            processes,
            user,
            incidents,
            timers,
            window,
            flush,
            bound=SWEEP_SECONDS + 1.0,
        )
        figures += _scheduler_failover(processes, user, timers, window, quiet[1])
    finally:
        processes.stop()
        _point_celery_at(settings.CELERY_BROKER_URL)
        connections.close_all()
        connection.settings_dict.update(old)
    return figures
