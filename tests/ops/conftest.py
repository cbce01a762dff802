"""The escalation suite's real worker + private Redis fixtures, shared here."""

from tests.escalation.conftest import celery_worker_process, private_redis  # noqa: F401
