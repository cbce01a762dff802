"""``python manage.py restore DIR`` — put back a ``backup``: check the manifest's checksums, restore the
database into the configured one (pg_restore --clean: what is there is replaced) and the media folder.
``make restore BACKUP=DIR`` calls it. Stop the web and worker processes first."""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ._backup import pg_options
from .backup import sha256_of


class Command(BaseCommand):
    help = "Restore a backup directory (database and media) into the configured database and MEDIA_ROOT."

    def add_arguments(self, parser):
        parser.add_argument("directory")

    def handle(self, *args, **options):
        source = Path(options["directory"])
        manifest_path = source / "manifest.json"
        if not manifest_path.exists():
            raise CommandError(f"{source} holds no manifest.json: not a backup made by `manage.py backup`")
        manifest = json.loads(manifest_path.read_text())
        for name, expected in manifest["files"].items():
            if sha256_of(source / name) != expected:
                raise CommandError(f"{name} does not match its checksum: the backup is damaged")
        connection.close()  # hold no locks while pg_restore drops and recreates the tables
        connection_options, env = pg_options()
        subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                *connection_options,
                str(source / "database.dump"),
            ],
            env=env,
            check=True,
        )
        media_root = Path(settings.MEDIA_ROOT)
        if media_root.exists():
            shutil.rmtree(media_root)
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(source / "media.tar.gz", "r:gz") as archive:
            for member in archive.getmembers():
                if not member.name.startswith("media"):
                    continue
                member.name = member.name.removeprefix("media").lstrip("/")
                if member.name:
                    archive.extract(member, media_root, filter="data")
        self.stdout.write(f"restored {source} into {connection_options[1]} and {media_root}")
