"""Production settings: ``check --deploy`` clean with production environment variables; the strict CSP on
pages and on the API docs, which still load (their scripts are files of our own origin)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parents[2]


PRODUCTION_DELIVERY = {
    "SMS_GATEWAY": "escalation.sms.AliyunSmsGateway",
    "ALIYUN_SMS_ACCESS_KEY_ID": "LTAI-example",
    "ALIYUN_SMS_ACCESS_KEY_SECRET": "example-secret",
    "ALIYUN_SMS_SIGN_NAME": "某银行客服中心",
    "ALIYUN_SMS_TEMPLATE_CODE": "SMS_000001",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.bank.example",
}


def _check_deploy(**extra: str) -> subprocess.CompletedProcess:
    # A production environment, not this test process's: only what a server would set (the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE, for one, must not leak in).
    keep = ("PATH", "HOME", "LANG", "DATABASE_URL", "REDIS_URL", "VAR_DIR")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(
        DEBUG="0",
        SECRET_KEY="a-production-grade-secret-key-of-sufficient-length-and-variety-9f8e7d6c5b4a",
        ALLOWED_HOSTS="desk.bank.example",
        CSRF_TRUSTED_ORIGINS="https://desk.bank.example",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_environment():
    result = _check_deploy(**PRODUCTION_DELIVERY)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output


def test_check_deploy_warns_when_messages_would_only_be_logged():
    """Issue 13: the logging SMS gateway and the console e-mail backend tell nobody in production."""
    result = _check_deploy()
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "escalation.W001" in output and "logging gateway" in output
    assert "escalation.W002" in output and "console" in output


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "desk.bank.example"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    policy = _csp(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    header = response["Content-Security-Policy"]
    assert "unsafe-eval" not in header
    assert not re.search(r"https?://", header), "no third-party origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_no_page_we_serve_holds_an_inline_script(client, org):
    client.force_login(org["gm"])
    for url in ["/accounts/login/", "/api/docs/", "/admin/login/"]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        html = response.content.decode()
        inline = [s for s in re.findall(r"<script\b([^>]*)>", html) if "src=" not in s and "json" not in s]
        assert not inline, f"{url} has an inline <script>: {inline}"
        assert not re.search(r"\son[a-z]+\s*=", html), f"{url} has an on*= handler attribute"


@pytest.mark.django_db
def test_api_docs_load_their_assets_from_our_own_origin(client, org):
    client.force_login(org["gm"])
    html = client.get("/api/docs/").content.decode()
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert sources and all(src.startswith("/") for src in sources), sources
    for src in sources:
        path = src.split("?")[0]
        if path.startswith(settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"):
            assert finders.find(path.split("/static/", 1)[1]), f"{src} is not a file we ship"
        else:
            response = client.get(src)  # the split view's start-up script, served by the app itself
            assert response.status_code == 200, src
            assert "javascript" in response["Content-Type"], src


@pytest.mark.django_db
def test_health_endpoints_answer_without_credentials(client):
    assert client.get("/api/v1/ping/").json() == {"status": "ok"}
    assert client.get("/healthz").json()["database"] == "up"  # ok/degraded: tests/ops/test_health.py


@pytest.mark.django_db
def test_me_says_who_the_token_is(api):
    assert api("gm").get("/api/v1/me/").json() == {"username": "gm", "roles": ["leader"]}
