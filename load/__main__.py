"""python -m load [--users N] [--duration 120s] — the full-stack load test (issue 8): gunicorn + a Celery
worker + PostgreSQL (database ``ed_load``) + Redis on 127.0.0.1, driven by locust headless with the mix in
``load/locustfile.py``; prints throughput, p50/p95/p99 and the error count. ``make load`` runs it."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOAD_USERS", "30")))
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", default=os.environ.get("LOAD_DURATION", "120s"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOAD_PORT", "18821")))
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "load-only-secret-key-not-for-production-use-0123456789abc")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from bench import stack
    from incidents import services
    from incidents.models import Incident
    from teams.models import Person
    from teams.roles import INTEGRATOR_GROUP

    name = "ed_load"
    stack.ensure_database(name)
    with stack.using_database(name):
        call_command("migrate", verbosity=0)
        call_command("seed_demo", stdout=io.StringIO())
        User = get_user_model()
        integrator, _ = User.objects.get_or_create(username="load_integrator")
        integrator.groups.add(Group.objects.get_or_create(name=INTEGRATOR_GROUP)[0])
        users = ["gm", "supervisor", "phone_lead", "agent", "load_integrator"]
        tokens = {
            ("integrator" if u == "load_integrator" else u): Token.objects.get_or_create(
                user=User.objects.get(username=u)
            )[0].key
            for u in users
        }
        if Incident.objects.count() < 200:
            supervisor = User.objects.get(username="supervisor")
            for n in range(200):
                services.incident_declare(
                    user=supervisor,
                    data={
                        "title": f"负载基线事件 {n}",
                        "category": "system_outage",
                        "description": "load",
                        "detected_at": (timezone.now() - timedelta(minutes=n)).isoformat(),
                        "is_drill": "true",
                    },
                )
        commander = Person.objects.filter(user__username="supervisor").values_list("pk", flat=True).first()

    env = stack.stack_env(name, LOAD_TOKENS=json.dumps(tokens), LOAD_COMMANDER=str(commander or ""))
    with (
        tempfile.TemporaryDirectory() as tmp,
        stack.celery_worker(env),
        stack.gunicorn(env, args.port, workers=args.workers) as base,
    ):
        prefix = str(Path(tmp) / "load")
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "load" / "locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(args.spawn_rate),
                "-t",
                args.duration,
                "--host",
                base,
                "--csv",
                prefix,
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
        )
        rows = list(csv.DictReader(Path(f"{prefix}_stats.csv").read_text().splitlines()))
        failures = list(csv.DictReader(Path(f"{prefix}_failures.csv").read_text().splitlines()))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    print()
    print(f"users {args.users}, duration {args.duration}, gunicorn {args.workers} workers + 1 Celery worker")
    print(f"requests        {total['Request Count']}")
    print(f"throughput      {float(total['Requests/s']):.1f} req/s")
    print(f"p50 / p95 / p99 {total['50%']} / {total['95%']} / {total['99%']} ms")
    print(f"errors          {total['Failure Count']}  (goal 0)")
    for failure in failures:
        print(f"  {failure['Occurrences']}× {failure['Method']} {failure['Name']}: {failure['Error'][:200]}")
    return 0 if int(total["Failure Count"]) == 0 and result.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
