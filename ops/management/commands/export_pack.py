"""``manage.py export_pack [--output FILE]``: write the emergency pack PDF now (ops.pack)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from ops import pack


class Command(BaseCommand):
    help = "Write the printable emergency pack (contacts, checklists, today's A/B roster, open incidents)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", type=Path, help="write here instead of MEDIA_ROOT/emergency-pack/")

    def handle(self, *args: Any, output: Path | None = None, **options: Any) -> None:
        path = pack.pack_export(output=output)
        self.stdout.write(f"{path} ({path.stat().st_size} bytes)")
