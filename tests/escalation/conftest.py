from __future__ import annotations

import pytest

from .worker import RedisServer, Worker


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """seed_demo sets ten passwords; full-strength PBKDF2 costs seconds per test and proves nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _point_celery_at(url: str) -> str:
    """Make this test process publish (the ETA nudges sent on commit) to the given broker."""
    from config.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None
    return old


@pytest.fixture
def private_redis():
    server = RedisServer()
    server.start()
    old = _point_celery_at(server.url)
    yield server
    _point_celery_at(old)
    server.stop()


@pytest.fixture
def celery_worker_process(transactional_db, private_redis, tmp_path):
    """A real worker + beat on the test database and a private Redis; stopped before the flush."""
    worker = Worker(private_redis.url, tmp_path)
    yield worker
    worker.stop()
    # Shown by pytest only when the test failed: what the worker and its beat were doing.
    for log in sorted(tmp_path.glob("worker-*.log")):
        print(f"===== {log.name} (last 6000 chars) =====")
        print(log.read_text(errors="replace")[-6000:])
