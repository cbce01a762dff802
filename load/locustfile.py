"""The load mix of issue 8, as the centre uses the desk during an outage: boards polling the incident list,
people opening incident pages and timelines, progress updates, the monitoring feed posting interval
figures (if the endpoint exists), and incidents moving through transitions (declare → report → activate
→ execute, and declare → dismiss).

Run by ``make load`` (``python -m load``), which starts the stack and passes tokens in LOAD_TOKENS.
"""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, datetime, timedelta

from locust import HttpUser, between, events, task

TOKENS: dict[str, str] = json.loads(os.environ.get("LOAD_TOKENS", "{}"))
COMMANDER = os.environ.get("LOAD_COMMANDER", "")
STATES = ["monitoring", "reported", "activated", "executing"]
INTERVALS_AVAILABLE = {"value": True}


def _now() -> str:
    return datetime.now(UTC).isoformat()


class DeskUser(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.token_of = {name: f"Token {key}" for name, key in TOKENS.items()}
        self.incident_ids: list[int] = []
        self._refresh_ids()

    def _as(self, username: str) -> dict[str, str]:
        return {"Authorization": self.token_of[username]}

    def _refresh_ids(self) -> None:
        response = self.client.get(
            "/api/v1/incidents/", headers=self._as("gm"), name="/api/v1/incidents/ (ids)"
        )
        if response.ok:
            self.incident_ids = [row["id"] for row in response.json()["results"]]

    @task(10)
    def board_polling(self) -> None:
        state = random.choice(STATES)
        self.client.get(
            f"/api/v1/incidents/?state={state}",
            headers=self._as("agent"),
            name="/api/v1/incidents/?state=[state]",
        )

    @task(5)
    def incident_page(self) -> None:
        if not self.incident_ids:
            return self._refresh_ids()
        incident_id = random.choice(self.incident_ids)
        self.client.get(
            f"/api/v1/incidents/{incident_id}/",
            headers=self._as("supervisor"),
            name="/api/v1/incidents/[id]/",
        )
        self.client.get(
            f"/api/v1/incidents/{incident_id}/timeline/",
            headers=self._as("supervisor"),
            name="/api/v1/incidents/[id]/timeline/",
        )

    @task(2)
    def progress_update(self) -> None:
        if not self.incident_ids:
            return self._refresh_ids()
        incident_id = random.choice(self.incident_ids)
        self.client.post(
            f"/api/v1/incidents/{incident_id}/updates/",
            json={"text": "坐席接通率回升至 70%"},
            headers=self._as("phone_lead"),
            name="/api/v1/incidents/[id]/updates/",
        )

    @task(3)
    def interval_ingestion(self) -> None:
        if not INTERVALS_AVAILABLE["value"] or "integrator" not in self.token_of:
            return
        now = datetime.now(UTC)
        aligned = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
        start = aligned - timedelta(minutes=15 * random.randint(1, 500))
        body = {
            "queue": f"hotline-{random.randint(1, 4)}",
            "interval_start": start.isoformat(),
            "interval_minutes": 15,
            "offered": 120,
            "answered": 100,
            "answered_within_threshold": 80,
            "abandoned": 20,
        }
        with self.client.post(
            "/api/v1/monitoring/intervals/",
            json=body,
            headers=self._as("integrator"),
            name="/api/v1/monitoring/intervals/",
            catch_response=True,
        ) as response:
            if response.status_code == 404:
                INTERVALS_AVAILABLE["value"] = False  # not on this build: stop asking, count no error
                response.success()

    @task(1)
    def lifecycle(self) -> None:
        declared = self.client.post(
            "/api/v1/incidents/",
            json={
                "title": "压测：IVR 中断",
                "category": "system_outage",
                "description": "load",
                "detected_at": _now(),
                "is_drill": True,
            },
            headers=self._as("supervisor"),
            name="/api/v1/incidents/ (declare)",
        )
        if not declared.ok:
            return
        incident_id = declared.json()["id"]
        base = f"/api/v1/incidents/{incident_id}/transitions"
        if random.random() < 0.5:
            self.client.post(
                f"{base}/dismiss/",
                json={"reason": "已恢复"},
                headers=self._as("supervisor"),
                name="transitions/dismiss",
            )
            return
        self.client.post(
            f"{base}/report/",
            json={"situation": "IVR 中断", "impact": "客户无法接通", "grade": "II"},
            headers=self._as("phone_lead"),
            name="transitions/report",
        )
        self.client.post(
            f"{base}/activate/",
            json={"damage_degree": "严重", "damage_scale": "全行热线", "grade": "II"},
            headers=self._as("gm"),
            name="transitions/activate",
        )
        self.client.post(
            f"{base}/execute/",
            json={"on_scene_commander": COMMANDER},
            headers=self._as("gm"),
            name="transitions/execute",
        )
        self.incident_ids.append(incident_id)


@events.quitting.add_listener
def _exit_code(environment, **kwargs) -> None:
    environment.process_exit_code = 1 if environment.stats.total.num_failures else 0
