from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from teams import services as team_services


class Command(BaseCommand):
    help = "Replace the emergency organisation with the one in a YAML or JSON file (atomic: all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        try:
            result = team_services.organisation_load_file(path=file)
        except team_services.OrganisationFileError as exc:
            raise CommandError(f"{file}: nothing was changed.\n" + "\n".join(exc.errors)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result.people} people, {result.memberships} memberships, {result.parties} parties."
            )
        )
