"""Celery beat without a single point of failure: run two or more, exactly one sends.

Each beat process runs :class:`LeaderScheduler`. It holds a PostgreSQL **session advisory lock** on a
connection of its own; only the holder sends the schedule (the timer sweep). The others ask for the lock
every ``OPS_STANDBY_POLL_SECONDS`` (default: a quarter of the sweep period). When the leader dies — even
by ``kill -9`` — its connection closes, PostgreSQL releases the lock at once and a standby takes over at its
next poll, well within two sweep periods. When the database restarts or a replica is promoted, every
lock connection breaks; the schedulers reconnect (libpq multi-host, ``target_session_attrs=read-write``)
and one of them wins again. Why the database and not a Redis lock: docs/decisions.md (issue 15).

A duplicate sweep (two leaders for a moment, a redelivered message) is harmless: every timer row is
claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and ``fired_at`` (docs/escalation.md)."""

from __future__ import annotations

import contextlib
import logging
import socket
from typing import Any

import psycopg2
from celery.beat import Scheduler
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

# pg_advisory_lock's key space is shared by the whole database: a fixed, documented key for "the beat".
LEADER_LOCK_KEY = 0x0ED_BEA7


class LeaderScheduler(Scheduler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._lock_conn: Any = None
        self.is_leader = False
        self.host = socket.gethostname()
        super().__init__(*args, **kwargs)

    # --- the lock ------------------------------------------------------------------------------------
    def _connect(self) -> Any:
        params = connections["default"].get_connection_params()
        params.setdefault("connect_timeout", 3)
        # Notice a vanished server within seconds, not the kernel's two hours.
        params.update(keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=2)
        conn = psycopg2.connect(**params)
        conn.autocommit = True
        return conn

    def _drop(self, why: str = "lost the leader lock; standing by") -> None:
        if self._lock_conn is not None:
            with contextlib.suppress(Exception):  # already broken
                self._lock_conn.close()
        self._lock_conn = None
        if self.is_leader:
            logger.warning("beat %s: %s", self.host, why)
        self.is_leader = False

    def holds_lock(self) -> bool:
        """True when this process is (still) the leader. Never raises: a broken database is "not leader"."""
        try:
            if self._lock_conn is None or self._lock_conn.closed:
                self._lock_conn = self._connect()
                self.is_leader = False
            with self._lock_conn.cursor() as cursor:
                if self.is_leader:
                    # The lock lives as long as this session; a round trip proves the session is alive.
                    cursor.execute("SELECT 1")
                else:
                    cursor.execute("SELECT pg_try_advisory_lock(%s)", [LEADER_LOCK_KEY])
                    if cursor.fetchone()[0]:
                        self.is_leader = True
                        self._heap = None  # rebuild: every entry overdue while standing by runs now
                        logger.info("beat %s: took the leader lock; sending the schedule", self.host)
                        self._announce()
        except psycopg2.Error as exc:
            logger.warning("beat %s: leader lock connection failed (%s)", self.host, str(exc).strip())
            self._drop()
        return self.is_leader

    def _announce(self) -> None:
        try:
            from django.db import close_old_connections

            from . import pack, services

            close_old_connections()  # the ORM connection may predate a database switch
            services.heartbeat_record(name="scheduler", detail={"host": self.host})
            pack.pack_timer_ensure()  # the desk's own nightly clock exists whoever leads
        except Exception:  # noqa: BLE001 - retried at the next take-over; the sweep does not depend on it
            logger.warning("could not record the scheduler heartbeat / pack timer", exc_info=True)

    # --- celery.beat.Scheduler -------------------------------------------------------------------------
    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self.holds_lock():
            return settings.OPS_STANDBY_POLL_SECONDS
        return min(super().tick(*args, **kwargs), settings.OPS_STANDBY_POLL_SECONDS)

    def close(self) -> None:
        self._drop("stopping; leader lock released")
        super().close()
