"""Shared helpers for the escalation tests: a few lifecycle moves, local HTTP endpoints, polling."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.incidents.lifecycle import move


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def walk(api, incident_id: int, *names: str) -> None:
    actors = {
        "report": "agent",
        "activate": "gm",
        "execute": "gm",
        "request_termination": "phone_lead",
        "approve_termination": "gm",
        "investigate": "gm",
    }
    for name in names:
        response = move(api, actors[name], incident_id, name)
        assert response.status_code == 200, (name, response.content)


class Endpoint:
    """A tiny HTTP server on 127.0.0.1 that answers as told and records what it received."""

    def __init__(
        self, port: int, *, status: int = 200, delay: float = 0.0, answer: dict | None = None
    ) -> None:
        self.requests: list[dict[str, Any]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                endpoint.requests.append({"path": self.path, "body": body})
                if delay:
                    time.sleep(delay)
                payload = json.dumps(
                    answer if answer is not None else {"errcode": 0, "errmsg": "ok"}
                ).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
