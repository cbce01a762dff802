"""The desk keeps its clocks through the loss of any one process, broker node or database node.

Real processes on loopback (tests/ops/cluster.py): 2 gunicorn web, 2 workers, 2 schedulers, Redis primary +
replica + 3 Sentinels, PostgreSQL primary + synchronous streaming replica. With 200 timers due across the
run (sweep period 2 s, nudges off so the sweep alone fires them), five faults one after the other:
kill -9 the leading scheduler; kill -9 a worker; stop the Redis primary (Sentinel promotes the replica);
restart PostgreSQL; stop the primary and promote the replica. Then: 0 timers lost, 0 fired twice, each
fired within two sweep periods of its due time or of the end of the fault it fell in; and every page a
signed-in person asked for during a fault was a page (200) or a 503 with Retry-After — never a 500."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from django.db import connection

from .cluster import Cluster

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]

SWEEP = 2.0
TIMERS = 200
FIRST_DUE = 6.0  # seconds after the timers are written
SPAN = 66.0  # the last one is due this long after the first
# A fire is stamped when the sweep's transaction writes it, so "within two sweep periods" also contains the
# sweep's own run (queue → worker → the due rows locked and fired): on the loaded 2-core CI machine that has
# measured up to 0.4 s. The allowance for it is one second, not a third period.
SWEEP_RUN = 1.0


@dataclass
class Fault:
    name: str
    started: float = 0.0
    ended: float = 0.0


@dataclass
class Prober:
    """A signed-in person reloading the incident list on both web servers, three times a second."""

    sessions: list[tuple[int, requests.Session]]
    seen: list[tuple[float, int, int | str, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            for port, session in self.sessions:
                started = time.time()
                try:
                    response = session.get(f"http://127.0.0.1:{port}/", timeout=20, allow_redirects=False)
                    self.seen.append(
                        (started, port, response.status_code, response.headers.get("Retry-After", ""))
                    )
                except requests.RequestException as exc:
                    self.seen.append((started, port, type(exc).__name__, ""))
            time.sleep(0.3)


CREATE_TIMERS = """
import json
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from escalation import services
from escalation.models import TimerKind
from incidents import services as incident_services
User = get_user_model()
gm, supervisor = User.objects.get(username="gm"), User.objects.get(username="supervisor")
incidents = [
    incident_services.incident_declare(user=supervisor, data={
        "title": f"故障演练 {n}", "category": "service_level", "description": "fault test",
        "detected_at": timezone.now().isoformat()})
    for n in range(4)
]
first = timezone.now() + timedelta(seconds=%(first)s)
ids = []
with transaction.atomic():
    for n in range(%(count)s):
        timer = services.timer_schedule(
            incident=incidents[n %% 4], kind=TimerKind.REMINDER,
            due_at=first + timedelta(seconds=%(span)s * n / (%(count)s - 1)),
            payload={"audience": [f"user:{gm.pk}"], "event": "reminder", "context": {"text": f"#{n}"}})
        ids.append(timer.pk)
print(json.dumps({"ids": ids, "first": first.timestamp()}))
"""

READ_TIMERS = """
import json
from collections import Counter
from escalation.models import Notification, Timer
ids = %(ids)s
inbox = Counter(
    Notification.objects.filter(timer_id__in=ids, channel="inbox").values_list("timer_id", flat=True)
)
rows = Timer.objects.filter(pk__in=ids).values_list("id", "due_at", "fired_at")
print(json.dumps([
    [pk, due.timestamp(), fired.timestamp() if fired else None, inbox[pk]] for pk, due, fired in rows
]))
"""


def _wait_for(predicate, timeout: float, interval: float = 0.1) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


@pytest.fixture
def cluster(org):
    root = Path(tempfile.mkdtemp(prefix="desk-fault-"))
    os.chmod(root, 0o755)  # the postgres user writes its data directories below
    stack = Cluster(root, sweep_seconds=SWEEP)
    db = connection.settings_dict
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    seed = f"postgresql://{db['USER'] or 'postgres'}@{host}/{db['NAME']}"
    try:
        stack.start_servers(seed_from=seed)
        stack.start_desk()
        yield stack
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)


def _run_faults(cluster: Cluster, first_due: float) -> list[Fault]:
    faults: list[Fault] = []

    def at(offset: float, fault: Fault) -> Fault:
        previous_end = faults[-1].ended if faults else 0.0
        time.sleep(max(first_due + offset - time.time(), previous_end + 3 * SWEEP - time.time(), 0))
        fault.started = time.time()
        faults.append(fault)
        return fault

    # 1. the leading scheduler dies without a word; the standby must take over.
    fault = at(2, Fault("kill -9 the leading scheduler"))
    leader = cluster.leader()
    leader.kill9()
    fault.ended = time.time()
    assert cluster.leader() is not leader
    leader.start()  # its supervisor restarts it; it stands by

    # 2. a worker dies mid-work (unacked messages, maybe a sweep or a fire in flight).
    fault = at(12, Fault("kill -9 a worker"))
    cluster.workers[0].kill9()
    fault.ended = time.time()
    time.sleep(SWEEP)
    cluster.workers[0].start()

    # 3. the Redis primary stops; the Sentinels promote the replica.
    fault = at(22, Fault("stop the Redis primary"))
    cluster.redis_primary.stop()
    assert _wait_for(lambda: cluster.sentinel_master_port() == cluster.redis_replica.port, 30), "no promotion"
    fault.ended = time.time()

    # 4. PostgreSQL restarts (and its synchronous replica reconnects).
    fault = at(34, Fault("restart PostgreSQL"))
    cluster.pg_primary.restart()
    assert _wait_for(
        lambda: (
            cluster.pg_primary.sql("SELECT count(*) FROM pg_stat_replication WHERE sync_state='sync'") == "1"
        ),
        30,
    )
    fault.ended = time.time()

    # 5. the primary is lost; the streaming replica is promoted and takes the writes.
    fault = at(46, Fault("promote the replica"))
    cluster.pg_primary.stop("immediate")
    cluster.pg_replica.promote()
    fault.ended = time.time()
    return faults


def _allowed_lateness_end(due: float, faults: list[Fault]) -> float:
    """Two sweep periods (and the sweep's own run) after the due time — or after the end of a fault that
    was on when it came due (or that began before a normal sweep could have fired it)."""
    bound = due
    for fault in faults:
        if fault.started - 2 * SWEEP <= due <= fault.ended:
            bound = max(bound, fault.ended)
    return bound + 2 * SWEEP + SWEEP_RUN


def test_no_timer_lost_or_doubled_and_no_500_through_five_faults(cluster):
    sessions = [(port, cluster.login(port)) for port in cluster.web_ports]
    created = cluster.script(CREATE_TIMERS % {"first": FIRST_DUE, "count": TIMERS, "span": SPAN})
    ids, first_due = created["ids"], created["first"]
    prober = Prober(sessions)
    thread = threading.Thread(target=prober.run, daemon=True)
    thread.start()
    try:
        faults = _run_faults(cluster, first_due)
        last_due = first_due + SPAN
        time.sleep(max(last_due + 2 * SWEEP - time.time(), 0) + 1)
        deadline = time.monotonic() + 60
        while True:
            rows = cluster.script(READ_TIMERS % {"ids": ids})
            if all(fired for _, _, fired, _ in rows) or time.monotonic() > deadline:
                break
            time.sleep(1)
    finally:
        prober.stop.set()
        thread.join(30)

    log = cluster.logs()
    lost = [pk for pk, _, _, inbox in rows if inbox == 0]
    doubled = [pk for pk, _, _, inbox in rows if inbox > 1]
    assert len(rows) == TIMERS
    assert lost == [], f"{len(lost)} timers lost\n{log}"
    assert doubled == [], f"{len(doubled)} timers fired twice"
    late = [
        (pk, round(fired - due, 2), round(fired - _allowed_lateness_end(due, faults), 2))
        for pk, due, fired, _ in rows
        if fired > _allowed_lateness_end(due, faults)
    ]
    timeline = [(f.name, round(f.started - first_due, 1), round(f.ended - first_due, 1)) for f in faults]
    assert late == [], (
        f"fired later than two sweep periods after due / the fault's end: {late}\n{timeline}\n{log}"
    )

    # Every request during a fault answered a page or a 503 with a retry hint; never a 500.
    assert not [s for s in prober.seen if s[2] == 500], [s for s in prober.seen if s[2] == 500]
    for fault in faults:
        during = [s for s in prober.seen if fault.started <= s[0] <= fault.ended + 2 * SWEEP]
        assert during, f"no request was made during {fault.name}"
        assert all(status in (200, 503) for _, _, status, _ in during), (fault.name, during)
        assert all(retry for _, _, status, retry in during if status == 503), (fault.name, during)
    # The workers rode out the broker and database switches: the one never killed is still the same process.
    assert cluster.workers[1].alive and cluster.workers[1].starts == 1, log
    assert all(app.alive for app in cluster.webs)
