"""Check every incident's timeline hash chain; name the first broken entry (DESIGN §3: tamper-evident)."""

from django.core.management.base import BaseCommand, CommandError

from incidents import selectors


class Command(BaseCommand):
    help = "Verify the tamper-evident hash chain of every incident's timeline (or of one incident)."

    def add_arguments(self, parser):
        parser.add_argument("--incident", type=int, help="only this incident id")

    def handle(self, *args, incident=None, **options):
        result = selectors.timeline_verify(incident_id=incident)
        if result.broken:
            entry = result.broken
            raise CommandError(
                f"Timeline broken at incident #{entry.incident_id}, entry seq {entry.seq} (id {entry.id}): "
                f"{result.reason}. Entries checked: {result.checked}."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Timeline intact: {result.checked} entries in {result.incidents} incidents.")
        )
