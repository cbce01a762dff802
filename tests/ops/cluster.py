"""The whole desk as real processes on loopback, for the fault test and the bench: PostgreSQL primary + a
synchronous streaming replica (Debian's binaries: initdb, pg_basebackup, pg_ctl promote), Redis primary +
replica + three Sentinels (``redis-server --sentinel``), two gunicorn web servers, two Celery workers and
two schedulers (``celery beat`` with the leader lock). Every server on a free port in a temp dir, stopped
by :meth:`Cluster.stop`. The desk reaches the database through a multi-host ``DATABASE_URL`` with
``target_session_attrs=read-write`` and the broker through ``sentinel://`` URLs — as in production."""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import redis
import requests

from tests.escalation.worker import free_port

ROOT = Path(__file__).resolve().parents[2]
MASTER = "deskmaster"
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")
SET_PASSWORD = f"""
from django.contrib.auth import get_user_model
user = get_user_model().objects.get(username="gm")
user.set_password({PASSWORD!r})
user.save(update_fields=["password"])
"""


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL binary {name} not found under /usr/lib/postgresql/*/bin")
    return found[-1]


def _as_postgres() -> dict[str, Any]:
    """PostgreSQL refuses to run as root: drop to the ``postgres`` system user when we are root."""
    return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


def _wait(predicate, timeout: float, what: str, interval: float = 0.1) -> Any:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(interval)
    raise RuntimeError(f"timed out waiting for {what}")


class PostgresNode:
    def __init__(self, root: Path, name: str) -> None:
        self.name = name
        self.port = free_port()
        self.home = root / name  # owned by the postgres user: the data directory and the server log
        self.data = self.home / "data"
        self.log = self.home / "server.log"
        self.extra: list[str] = []
        self.home.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.home, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, timeout=120, **_as_postgres())

    def init_primary(self) -> None:
        self._run(pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def init_replica_of(self, primary: PostgresNode) -> None:
        self._run(
            pg_bin("pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.data),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
        )
        self.extra = ["-c", "wal_retrieve_retry_interval=200ms"]  # back to the primary fast after its restart

    def start(self) -> None:
        options = " ".join(
            [f"-p {self.port}", "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=''"]
            + [f"-c fsync=off -c full_page_writes=off -c max_connections=200 {' '.join(self.extra)}"]
        )
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
                capture_output=True,
                timeout=60,
                **_as_postgres(),
            )

    def restart(self) -> None:
        self.stop("fast")
        self.start()

    def promote(self) -> None:
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-w", "promote")

    def sql(self, query: str) -> str:
        out = subprocess.run(
            [
                pg_bin("psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-Atc",
                query,
                "desk",
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return out.stdout.strip()


class RedisNode:
    def __init__(
        self, root: Path, name: str, *, sentinel_of: int | None = None, replica_of: int | None = None
    ):
        self.name = name
        self.port = free_port()
        self.dir = root / name
        self.dir.mkdir()
        self.log = root / f"{name}.log"
        self.process: subprocess.Popen | None = None
        lines = [f"port {self.port}", "bind 127.0.0.1", f"dir {self.dir}", 'save ""', "appendonly no"]
        if sentinel_of is not None:
            lines += [
                f"sentinel monitor {MASTER} 127.0.0.1 {sentinel_of} 2",
                f"sentinel down-after-milliseconds {MASTER} 1000",
                f"sentinel failover-timeout {MASTER} 4000",
                f"sentinel parallel-syncs {MASTER} 1",
            ]
        else:
            lines.append("maxmemory-policy noeviction")
        if replica_of is not None:
            lines.append(f"replicaof 127.0.0.1 {replica_of}")
        self.conf = self.dir / "redis.conf"
        self.conf.write_text("\n".join(lines) + "\n")
        self.sentinel = sentinel_of is not None

    def start(self) -> None:
        args = ["redis-server", str(self.conf)] + (["--sentinel"] if self.sentinel else [])
        self.process = subprocess.Popen(args, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        _wait(lambda: redis.Redis(port=self.port, socket_timeout=1).ping(), 20, f"redis {self.name}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class App:
    """One desk process (gunicorn, a worker, or a scheduler) with its own log."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logdir: Path, ready: str) -> None:
        self.name, self.args, self.env, self.logdir, self.ready = name, args, env, logdir, ready
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log(self) -> Path:
        return self.logdir / f"{self.name}-{self.starts}.log"

    def start(self, wait: bool = True) -> None:
        self.starts += 1
        self.process = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 90) -> None:
        def ready() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited:\n{self.log.read_text(errors='replace')[-3000:]}")
            return self.ready in self.log.read_text(errors="replace")

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready:\n{self.log.read_text(errors='replace')[-3000:]}")

    def kill9(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Cluster:
    def __init__(self, root: Path, *, sweep_seconds: float = 2.0) -> None:
        self.root = root
        self.sweep_seconds = sweep_seconds
        self.pg_primary = PostgresNode(root, "pg-a")
        self.pg_replica = PostgresNode(root, "pg-b")
        self.redis_primary = RedisNode(root, "redis-a")
        self.redis_replica = RedisNode(root, "redis-b", replica_of=self.redis_primary.port)
        self.sentinels = [
            RedisNode(root, f"sentinel-{n}", sentinel_of=self.redis_primary.port) for n in range(3)
        ]
        self.webs: list[App] = []
        self.workers: list[App] = []
        self.schedulers: list[App] = []
        self.web_ports: list[int] = []

    # --- servers -------------------------------------------------------------------------------------
    def start_servers(self, seed_from: str | None = None) -> None:
        self.pg_primary.init_primary()
        self.pg_primary.start()
        subprocess.run(
            [
                pg_bin("createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.pg_primary.port),
                "-U",
                "postgres",
                "desk",
            ],
            check=True,
            capture_output=True,
        )
        if seed_from:  # a migrated, seeded database to copy (faster than migrating on a busy machine)
            dump = subprocess.Popen([pg_bin("pg_dump"), "--no-owner", seed_from], stdout=subprocess.PIPE)
            subprocess.run(
                [
                    pg_bin("psql"),
                    "-q",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.pg_primary.port),
                    "-U",
                    "postgres",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "desk",
                ],
                stdin=dump.stdout,
                check=True,
                capture_output=True,
                timeout=300,
            )
            assert dump.wait(60) == 0, "pg_dump of the seed database failed"
            # The test process hashes passwords with a fast test-only hasher the desk does not accept.
            self.manage("shell", "-c", SET_PASSWORD)
        else:
            self.manage("migrate", "--noinput")
            self.manage("seed_demo")
        self.pg_replica.init_replica_of(self.pg_primary)
        self.pg_replica.start()
        # From now on a commit returns only when the replica has it: promoting it loses nothing committed.
        # (Set only now: with no standby yet, every commit of the seeding would wait for ever.) The replica
        # was copied before this, so once promoted it does not wait for a standby of its own.
        self.pg_primary.sql("ALTER SYSTEM SET synchronous_standby_names = '*'")
        self.pg_primary.sql("SELECT pg_reload_conf()")
        _wait(
            lambda: (
                self.pg_primary.sql("SELECT count(*) FROM pg_stat_replication WHERE sync_state='sync'") == "1"
            ),
            30,
            "synchronous replica",
        )
        for node in [self.redis_primary, self.redis_replica, *self.sentinels]:
            node.start()

    @property
    def database_url(self) -> str:
        hosts = f"127.0.0.1:{self.pg_primary.port},127.0.0.1:{self.pg_replica.port}"
        return f"postgres://postgres@{hosts}/desk?target_session_attrs=read-write"

    @property
    def broker_url(self) -> str:
        return ";".join(f"sentinel://127.0.0.1:{s.port}/0" for s in self.sentinels)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            "REDIS_URL": self.broker_url,
            "REDIS_SENTINEL_MASTER": MASTER,
            "ESCALATION_SWEEP_SECONDS": str(self.sweep_seconds),
            "ESCALATION_NUDGE_HORIZON_SECONDS": "0",  # nudges off: the sweep alone fires, what is tested
            "DEBUG": "0",
            "SECRET_KEY": "fault-test-secret-key-not-for-production",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DB_CONN_MAX_AGE": "60",
            "DB_CONNECT_TIMEOUT": "2",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            "VAR_DIR": str(self.root / "var"),
        }

    def manage(self, *args: str, timeout: float = 300) -> str:
        out = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if out.returncode:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}"
            )
        return out.stdout

    def script(self, code: str, timeout: float = 120) -> Any:
        """Run Python with Django set up against the cluster; it prints one JSON document."""
        return json.loads(self.manage("shell", "-c", code, timeout=timeout).strip().splitlines()[-1])

    # --- the desk ------------------------------------------------------------------------------------
    def start_desk(self) -> None:
        env = self.env()
        celery = [sys.executable, "-m", "celery", "-A", "config"]
        for n in range(2):
            port = free_port()
            self.web_ports.append(port)
            self.webs.append(
                App(
                    f"web{n}",
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "config.wsgi:application",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        "2",
                        "--timeout",
                        "30",
                        "--access-logfile",
                        "-",
                    ],
                    env,
                    self.root,
                    "Booting worker",
                )
            )
            self.workers.append(
                App(
                    f"worker{n}",
                    [
                        *celery,
                        "worker",
                        "--concurrency",
                        "2",
                        "--loglevel",
                        "INFO",
                        "-n",
                        f"w{n}@%h",
                        "--without-mingle",
                        "--without-gossip",
                    ],
                    env,
                    self.root,
                    "ready.",
                )
            )
            self.schedulers.append(
                App(
                    f"beat{n}",
                    [*celery, "beat", "--loglevel", "INFO", "-s", str(self.root / f"beat{n}.schedule")],
                    env,
                    self.root,
                    "beat: Starting",
                )
            )
        for app in [*self.webs, *self.workers, *self.schedulers]:
            app.start(wait=False)
        for app in [*self.webs, *self.workers, *self.schedulers]:
            app.wait_ready()

    def leader(self) -> App:
        """The scheduler whose log says it holds the lock last (and which is alive)."""

        def current() -> App | None:
            held = []
            for app in self.schedulers:
                if not app.alive:
                    continue
                text = app.log.read_text(errors="replace")
                took, lost = (
                    text.rfind("took the leader lock"),
                    max(text.rfind("lost the leader"), text.rfind("stopping;")),
                )
                if took > lost:
                    held.append(app)
            return held[0] if len(held) == 1 else None

        return _wait(current, 30, "exactly one leading scheduler")

    def sentinel_master_port(self) -> int | None:
        for sentinel in self.sentinels:
            try:
                addr = redis.Redis(port=sentinel.port, socket_timeout=1).execute_command(
                    "SENTINEL", "get-master-addr-by-name", MASTER
                )
                return int(addr[1])
            except Exception:  # noqa: BLE001 - ask the next one
                continue
        return None

    def login(self, port: int, username: str = "gm") -> requests.Session:
        session = requests.Session()
        base = f"http://127.0.0.1:{port}"
        page = session.get(f"{base}/accounts/login/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, page.text[:500]
        response = session.post(
            f"{base}/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{base}/accounts/login/"},
            timeout=10,
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:500]
        return session

    def logs(self, tail: int = 2500) -> str:
        parts = []
        for path in sorted([*self.root.glob("*.log"), *self.root.glob("pg-*/server.log")]):
            parts.append(f"===== {path.name} =====\n{path.read_text(errors='replace')[-tail:]}")
        return "\n".join(parts)

    def stop(self) -> None:
        for app in [*self.schedulers, *self.workers, *self.webs]:
            app.stop()
        for node in [*self.sentinels, self.redis_replica, self.redis_primary]:
            node.stop()
        for pg in (self.pg_replica, self.pg_primary):
            pg.stop("immediate")
