"""The sweep's heartbeat: recorded in the worker when ``escalation.timers_sweep`` succeeds, so its age says
that a scheduler sent it and a worker ran it (escalation itself knows nothing of ops)."""

from __future__ import annotations

import socket
from typing import Any

from celery.signals import task_success

from . import services

SWEEP_TASK = "escalation.timers_sweep"


@task_success.connect
def _sweep_heartbeat(sender: Any = None, result: Any = None, **_kwargs: Any) -> None:
    if getattr(sender, "name", None) != SWEEP_TASK:
        return
    services.heartbeat_record(
        name="sweep",
        detail={"host": socket.gethostname(), "counts": result if isinstance(result, dict) else {}},
    )
