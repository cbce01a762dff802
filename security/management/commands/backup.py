"""``python manage.py backup [--output DIR]`` — the database (pg_dump custom format) and the media folder
(attachments) into one directory, with a manifest of checksums. ``make backup`` calls it."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from ._backup import pg_options


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Back up the database (pg_dump -Fc) and the media folder into a directory."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="directory to create (default: var/backups/<UTC timestamp>)")

    def handle(self, *args, **options):
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        target = Path(options["output"] or Path(settings.VAR_DIR) / "backups" / stamp)
        target.mkdir(parents=True, exist_ok=True)
        connection_options, env = pg_options()
        dump = target / "database.dump"
        subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(dump),
                *connection_options,
            ],
            env=env,
            check=True,
        )
        media = target / "media.tar.gz"
        media_root = Path(settings.MEDIA_ROOT)
        with tarfile.open(media, "w:gz") as archive:
            if media_root.exists():
                archive.add(media_root, arcname="media")
        manifest = {
            "created_at": timezone.now().isoformat(),
            "database": connection_options[1],
            "files": {name.name: sha256_of(name) for name in (dump, media)},
        }
        (target / "manifest.json").write_text(json.dumps(manifest, indent=2))
        self.stdout.write(str(target))
