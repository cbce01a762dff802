"""Headless Chromium (Debian's package, never a downloaded browser) against pytest-django's live server.

One browser per test session; each test opens a context per user. Playwright's sync API runs an event
loop in this thread, so Django's async-safety check would refuse the ORM calls the tests make around it.
Run on a port of your choice with ``--liveserver 127.0.0.1:PORT``.
"""

from __future__ import annotations

import importlib
import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import call_command

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS_DIR = os.environ.get("SHOTS_DIR", "")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (scripts/system-deps.sh installs it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def _seed_checklist_templates() -> None:
    migration = importlib.import_module("incidents.migrations.0002_checklist_templates")
    migration.seed(apps, None)  # idempotent: get_or_create per plan


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends with a flush, which also empties what data migrations wrote (the plans'
    checklist templates). Put them back once the flush is done, so the tests after these — and the next
    run on a ``--reuse-db`` database — find the database as migrations left it."""
    yield
    if item.get_closest_marker("browser") is None:
        return
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        _seed_checklist_templates()


@pytest.fixture
def demo(transactional_db, settings) -> None:
    """The demo organisation and the plans' checklist templates."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_ENABLED = False
    call_command("seed_demo", stdout=io.StringIO())
    _seed_checklist_templates()


@pytest.fixture
def login(browser, live_server, demo) -> Iterator[Callable]:
    """``login("gm")`` → a Playwright page signed in as that demo user, in its own browser context."""
    contexts = []

    def open_as(username: str, *, width: int = 1366, height: int = 768):
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(django_settings.DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")
        page.base = live_server.url
        return page

    yield open_as
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    """Screenshots for the issue note, when ``SHOTS_DIR`` is set (kept out of git)."""
    if SHOTS_DIR:
        Path(SHOTS_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS_DIR) / f"{name}.png"), full_page=True)
