"""The deployment files say what docs/deploy.md says: rendered with kustomize and validated against the
Kubernetes schemas offline; the alert rules and the dashboard only use metrics /metrics really exposes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from django.utils import timezone

from ops import services

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES_VERSION = "1.30.0"  # the oldest release still supported upstream when this was written


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (Debian: kubernetes-client) is installed by scripts/system-deps.sh"
    out = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / "kubernetes")],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


def _by(rendered: list[dict], kind: str, name: str) -> dict:
    return next(doc for doc in rendered if doc["kind"] == kind and doc["metadata"]["name"] == name)


def test_every_manifest_is_valid_for_kubernetes(rendered):
    for doc in rendered:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)  # raises on any unknown field


def test_two_web_two_workers_two_schedulers_a_migration_job_and_budgets(rendered):
    web = _by(rendered, "Deployment", "desk-web")
    assert web["spec"]["replicas"] == 2
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert _by(rendered, "Deployment", "desk-worker")["spec"]["replicas"] == 2
    scheduler = _by(rendered, "Deployment", "desk-scheduler")
    assert scheduler["spec"]["replicas"] == 2
    assert "beat" in scheduler["spec"]["template"]["spec"]["containers"][0]["command"]
    job = _by(rendered, "Job", "desk-migrate")
    assert job["spec"]["template"]["spec"]["containers"][0]["command"][-2:] == ["migrate", "--noinput"]
    budgets = {
        doc["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]: doc["spec"]["minAvailable"]
        for doc in rendered
        if doc["kind"] == "PodDisruptionBudget"
    }
    assert budgets == {"web": 1, "worker": 1, "scheduler": 1}
    assert {doc["metadata"].get("namespace") for doc in rendered if doc["kind"] != "Namespace"} == {
        "emergency-desk"
    }


def test_images_from_the_internal_registry_and_no_secret_in_the_repository(rendered):
    containers = [
        c
        for doc in rendered
        if doc["kind"] in ("Deployment", "Job")
        for c in doc["spec"]["template"]["spec"]["containers"]
    ]
    assert {c["image"] for c in containers} == {"registry.bank.internal/emergency-desk/app:1.0.0"}
    assert not [doc for doc in rendered if doc["kind"] == "Secret"]
    for c in containers:
        assert {"secretRef": {"name": "desk-secrets"}} in c["envFrom"]
        assert not [e for e in c.get("env", []) if re.search("SECRET|PASSWORD|DATABASE_URL", e["name"])]


def test_compose_runs_two_schedulers():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert compose["services"]["scheduler"]["deploy"]["replicas"] == 2
    assert "beat" in compose["services"]["scheduler"]["command"]
    assert "beat" not in compose["services"]


METRIC = re.compile(r"\b(desk_[a-z_]+|up)\b")


@pytest.mark.django_db
def test_alerts_and_dashboard_use_only_exposed_metrics(client):
    services.heartbeat_record(name="sweep", at=timezone.now() - timedelta(seconds=1))
    exposed = {
        line.split()[2]
        for line in client.get("/metrics").content.decode().splitlines()
        if line.startswith("# TYPE")
    }
    exposed |= {f"{name}_bucket" for name in exposed} | {f"{name}_total" for name in exposed} | {"up"}
    exposed.add("desk_ingestion_lag_seconds")  # present once a feed delivered (labelled per feed)

    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert {"DeskSweepStale", "DeskTimersOverdue", "DeskBrokerDown", "DeskNotificationFailures"} <= {
        rule["alert"] for rule in alerts
    }
    dashboard = json.loads((DEPLOY / "grafana" / "emergency-desk.json").read_text())
    exprs = [rule["expr"] for rule in alerts] + [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {name for expr in exprs for name in METRIC.findall(expr)}
    assert used - exposed == set(), used - exposed
    assert {"desk_timer_lateness_seconds_bucket", "desk_sweep_last_run_age_seconds"} <= used
