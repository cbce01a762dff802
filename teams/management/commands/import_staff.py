from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from teams.staff import staff_import_csv


class Command(BaseCommand):
    help = "Import the centre's staff directory from CSV (employee_no,name,phone,email,line,skills[,active])."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        result = staff_import_csv(text=options["path"].read_text(encoding="utf-8"))
        if result.errors:
            raise CommandError("\n".join(result.errors))
        self.stdout.write(f"staff directory: {result.created} created, {result.updated} updated")
