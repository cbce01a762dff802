"""`make run` as a newcomer meets it (issue 12): the same script, on a free port and a temporary var dir,
with nothing configured — so the embedded PostgreSQL, DEBUG off, the filesystem broker. The test waits for
the URL the script prints, signs in there, walks the main pages (statistics and every CSV export it links
included), then stops the script and checks that nothing it started is left running."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

# What a shell of a newcomer holds: no DATABASE_URL, no REDIS_URL, no DEBUG, no SECRET_KEY.
KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TERM", "USER")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Output:
    """The script's output, read as it comes (a pipe left unread would block the processes it serves)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.text)
            if found:
                return found
            time.sleep(0.2)
        raise AssertionError(f"no {pattern!r} within {timeout} s; output so far:\n{self.text[-4000:]}")


@pytest.fixture
def make_run():
    var = Path(tempfile.mkdtemp(prefix="desk-run-"))
    port = free_port()
    env = {name: os.environ[name] for name in KEEP if name in os.environ}
    env.update(VAR_DIR=str(var), PORT=str(port), PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "scripts/desk.py", "run"],  # what `make run` runs, after `make install`
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = Output(process)
    try:
        yield process, output, port, var
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(var, ignore_errors=True)


def sign_in(session: requests.Session, base: str, username: str) -> None:
    page = session.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    response = session.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": "demo-pass-2026"},
        timeout=30,
    )
    assert response.status_code == 200 and "/accounts/login/" not in response.url, response.text[:500]


def stack_processes(var: Path) -> list[psutil.Process]:
    """Every process still running that belongs to this run: found by the temp var dir in its command line
    or environment (the embedded PostgreSQL's data directory, gunicorn, celery)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            if str(var) in " ".join(process.info["cmdline"] or []) or process.environ().get("VAR_DIR") == str(
                var
            ):
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def test_make_run_serves_the_url_it_prints_with_every_page_and_export_then_stops_everything(make_run):
    process, output, port, var = make_run
    url = output.wait_for(r"at (http://\S+?)/?\s", timeout=240).group(1)
    assert url == f"http://127.0.0.1:{port}", "the banner names the port it serves on"
    assert "embedded PostgreSQL" in output.text
    session = requests.Session()
    deadline = time.monotonic() + 120
    while True:
        try:
            session.get(f"{url}/accounts/login/", timeout=30)
            break
        except requests.RequestException:  # not listening yet, or a worker still booting
            assert time.monotonic() < deadline, output.text[-4000:]
            assert process.poll() is None, output.text[-4000:]
            time.sleep(0.5)

    # DEBUG is off: an unknown page is the app's own 404, never Django's debug page; static files served.
    missing = session.get(f"{url}/no-such-page/", timeout=30)
    assert missing.status_code == 404 and "DEBUG = True" not in missing.text
    board = session.get(f"{url}/", timeout=30)
    assert board.url.startswith(url), "plain HTTP on the laptop, no redirect to HTTPS"
    css = re.search(r'href="(/static/[^"]+\.css)"', board.text)
    assert css and session.get(url + css.group(1), timeout=30).status_code == 200

    sign_in(session, url, "gm")
    board = session.get(f"{url}/", timeout=30)
    assert board.status_code == 200
    incident = re.search(r'href="/incidents/(\d+)/"', board.text)
    assert incident, "the seeded demo incidents are on the board"
    pages = [
        "/",
        "/incidents/",
        "/incidents/?q=%E6%BC%94%E7%BB%83&state=open&sort=title",
        "/inbox/",
        "/help/",
        "/org/",
        "/escalation/inbox/",
        "/monitoring/",
        f"/incidents/{incident.group(1)}/",
        f"/reports/incidents/{incident.group(1)}/",
        "/api/v1/incidents/",
    ]
    for page in pages:
        response = session.get(url + page, timeout=60)
        assert response.status_code == 200, (page, response.status_code, response.text[:300])

    # Links inside notifications point where the app serves (SITE_URL follows the port), not to :8000.
    inbox = session.get(f"{url}/escalation/inbox/", timeout=60).text
    links = set(re.findall(r"https?://[^/\s<]+/", inbox))
    assert links == {f"{url}/"}, links

    statistics = session.get(f"{url}/reports/statistics/", timeout=60)
    assert statistics.status_code == 200, statistics.text[:500]
    exports = sorted(set(re.findall(r'href="(/reports/export/[a-z_]+\.csv[^"]*)"', statistics.text)))
    assert len(exports) >= 3, "the statistics page links every export"
    for export in exports:
        response = session.get(url + export.replace("&amp;", "&"), timeout=60)
        assert response.status_code == 200, (export, response.text[:300])
        assert response.headers["Content-Type"].startswith("text/csv")
        lines = response.text.splitlines()
        assert lines and "," in lines[0], f"{export}: a header row"
        if "incidents" in export or "timelines" in export:
            assert len(lines) >= 2, f"{export}: the demo incidents' rows"

    # The worker and beat run on the embedded default: the sweep is sent and executed.
    output.wait_for(r"escalation\.timers_sweep\[[^\]]+\] succeeded", timeout=60)

    assert stack_processes(var), (
        "the stack's processes are found while it runs (the check below means something)"
    )
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    output.wait_for(r"embedded PostgreSQL stopped", timeout=10)
    deadline = time.monotonic() + 20
    while stack_processes(var) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert stack_processes(var) == [], output.text[-3000:]
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)
