"""Shared by ``backup`` and ``restore``: the database's connection settings as pg_dump/pg_restore options."""

from __future__ import annotations

import os

from django.db import connection


def pg_options() -> tuple[list[str], dict[str, str]]:
    """Connection options and environment for the PostgreSQL client tools, from the configured database
    (the password goes in PGPASSWORD, never on the command line)."""
    db = connection.settings_dict
    options = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        options += ["--host", db["HOST"]]
    if db.get("PORT"):
        options += ["--port", str(db["PORT"])]
    if db.get("USER"):
        options += ["--username", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return options, env
