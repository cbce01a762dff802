"""The real Celery worker of the escalation tests, for the measures' clocks (issue 13)."""

from tests.escalation.conftest import celery_worker_process, private_redis  # noqa: F401  (fixtures)
