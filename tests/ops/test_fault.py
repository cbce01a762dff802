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
from django.db import connection

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

from .cluster import PASSWORD, Cluster

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]

SWEEP = 2.0
TIMERS = 200
FIRST_DUE = 6.0  # seconds after the timers are written
SPAN = 66.0  # the last one is due this long after the first


@dataclass
class Fault:
    name: str
    started: float = 0.0
    ended: float = 0.0
    # When the processes can be back: for the Redis failover, the workers' first reconnect attempt after the
    # promotion (``reconnect_after``); for the others, the fault's end.
    back: float = 0.0


# A worker that lost the broker retries on kombu's fixed schedule — at once, then after 2, 4, 6 … s
# (``Connection.ensure_connection``: interval_start 2, step 2; Celery passes no setting for it). Sentinel
# promotes about 2–2.5 s after the primary stops, just after the 2 s attempt, so the workers are back at
# 6 s: up to 4 s (two periods) after the promotion. Measured (load ≈ 10): primary stopped 12:20:10.0,
# promoted 12:20:12.3, workers reconnected 12:20:16.3, the first sweep fired the 24 due timers by 12:20:18.0
# — 0.07–0.54 s past "two periods after the promotion", though 2 s inside two periods after the reconnect.
KOMBU_RETRIES = (0.0, 2.0, 6.0, 12.0, 20.0, 30.0)


def reconnect_after(lost: float, available: float) -> float:
    """The first of the workers' reconnect attempts (from ``lost``) that finds the broker (``available``)."""
    return next((lost + t for t in KOMBU_RETRIES if lost + t >= available), available)


@dataclass
class Seen:
    at: float
    port: int
    status: int | str  # the HTTP status, or the browser's error when no page came
    retry_after: str
    heading: str  # the page's <h1>: what the person saw


@dataclass
class BrowserProber:
    """A signed-in person in headless Chromium (Debian's, as the browser tests use it) reloading the desk's
    board on both web servers, about three times a second, and noting what each load showed."""

    ports: list[int]
    seen: list[Seen] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    failed: list[BaseException] = field(default_factory=list)

    def run(self) -> None:
        # Playwright's sync API belongs to the thread that starts it: the browser lives in this thread.
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                pages = [(port, self._signed_in(browser, port)) for port in self.ports]
                self.ready.set()
                while not self.stop.is_set():
                    for port, page in pages:
                        started = time.time()
                        try:
                            response = page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
                            heading = page.locator("h1").first.inner_text(timeout=5_000)
                            assert response is not None
                            self.seen.append(
                                Seen(
                                    started,
                                    port,
                                    response.status,
                                    response.headers.get("retry-after", ""),
                                    heading.strip(),
                                )
                            )
                        except PlaywrightError as exc:
                            self.seen.append(Seen(started, port, type(exc).__name__, "", str(exc)[:200]))
                    time.sleep(0.3)
                browser.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the test, not lost in this thread
            self.failed.append(exc)
            self.ready.set()

    @staticmethod
    def _signed_in(browser, port: int):  # noqa: ANN001, ANN205
        context = browser.new_context(locale="zh-CN")
        context.set_default_timeout(20_000)
        page = context.new_page()
        base = f"http://127.0.0.1:{port}"
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("用户名").fill("gm")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")
        return page


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
        if os.environ.get("FAULT_KEEP_LOGS"):  # every process's whole log, for a failure to read
            print(f"fault test: logs kept in {root}")
        else:
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
    fault.back = reconnect_after(fault.started, fault.ended)

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
    """Two sweep periods after the due time — or after the end of a fault that was on when it came due (or
    that began before a normal sweep could have fired it; for the broker: after the workers could reconnect,
    see ``KOMBU_RETRIES``). "On" lasts until the processes are back: a timer due after Sentinel promoted the
    replica but before the workers reconnected waits for them like one due during the outage (a CI run saw
    one 0.1 s over when the window ended at the promotion). A fire is stamped when the sweep's transaction
    writes it, so the sweep's own run (queue → worker → the chunk fired) counts inside the two periods."""
    bound = due
    for fault in faults:
        if fault.started - 2 * SWEEP <= due <= (fault.back or fault.ended):
            bound = max(bound, fault.back or fault.ended)
    return bound + 2 * SWEEP


def test_no_timer_lost_or_doubled_and_no_500_through_five_faults(cluster):
    prober = BrowserProber(cluster.web_ports)
    thread = threading.Thread(target=prober.run, daemon=True)
    thread.start()
    assert prober.ready.wait(90), "the browser did not start"
    assert not prober.failed, prober.failed
    created = cluster.script(CREATE_TIMERS % {"first": FIRST_DUE, "count": TIMERS, "span": SPAN})
    ids, first_due = created["ids"], created["first"]
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
    timeline = [  # (fault, started, ended, processes back) in seconds after the first due time
        (f.name, *(round(t - first_due, 1) for t in (f.started, f.ended, f.back or f.ended))) for f in faults
    ]
    slack = min(_allowed_lateness_end(due, faults) - fired for _, due, fired, _ in rows)
    print(f"fault test: least slack under the two-period bound {slack:.2f} s; {timeline}")
    assert late == [], (
        f"fired later than two sweep periods after due / the fault's end: {late}\n{timeline}\n{log}"
    )

    # Each page the browser loaded during a fault: the desk, or the 503 page with a retry hint; never a 500.
    assert not prober.failed, prober.failed
    assert not [s for s in prober.seen if s.status == 500], [s for s in prober.seen if s.status == 500]
    for fault in faults:
        during = [s for s in prober.seen if fault.started <= s.at <= fault.ended + 2 * SWEEP]
        assert during, f"no page was loaded during {fault.name}"
        assert all(s.status in (200, 503) for s in during), (fault.name, during)
        assert all(s.heading == "暂时无法服务" and s.retry_after for s in during if s.status == 503), (
            fault.name,
            during,
        )
        assert all(s.heading and s.heading != "暂时无法服务" for s in during if s.status == 200), (
            fault.name,
            during,
        )
    # The workers rode out the broker and database switches: the one never killed is still the same process.
    assert cluster.workers[1].alive and cluster.workers[1].starts == 1, log
    assert all(app.alive for app in cluster.webs)
