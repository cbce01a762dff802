"""python manage.py import_calls FILE [--interval 15] — replay a call-record file as interval figures and
judge the early-warning rules over them in time order (DESIGN §7)."""

from __future__ import annotations

import os
import sys
import time as clock
from collections import Counter
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import IncidentError
from incidents.policies import SYSTEM_USER
from monitoring import services
from monitoring.callrecords import read_call_file

BAR_WIDTH = 30


class Progress:
    """A one-line progress bar (no dependency): redrawn in place on a terminal, a few lines otherwise."""

    def __init__(self, out, label: str, total: int):
        self.out, self.label, self.total = out, label, max(total, 1)
        self.tty = hasattr(out, "isatty") and out.isatty()
        self.shown = -1

    def update(self, done: int) -> None:
        percent = min(100, done * 100 // self.total)
        step = percent if self.tty else percent // 25 * 25
        if step == self.shown:
            return
        self.shown = step
        filled = BAR_WIDTH * percent // 100
        bar = f"{self.label:<10} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}%"
        self.out.write(("\r" + bar) if self.tty else bar + "\n", ending="")
        self.out.flush()

    def finish(self) -> None:
        self.update(self.total)
        if self.tty:
            self.out.write("")


class Command(BaseCommand):
    help = (
        "Import a call-record file (data/callcenter format) as interval figures and run the early-warning "
        "rules over them in time order. Bad rows are reported with their line numbers and skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--interval", type=int, choices=[15, 30], default=15, help="minutes (15 or 30)")
        parser.add_argument(
            "--timezone",
            default="Asia/Jerusalem",
            help="zone of the times in the file (default Asia/Jerusalem: the Anonymous Bank is in Israel)",
        )
        parser.add_argument(
            "--queue-by",
            choices=["type", "centre"],
            default="type",
            help="one queue per call type (PS, NE, NW, …; default) or the whole centre as one queue",
        )
        parser.add_argument("--threshold", type=int, default=20, help="service-level threshold, seconds")
        parser.add_argument(
            "--short-abandon", type=int, default=5, help="abandons under this many seconds are short"
        )
        parser.add_argument("--batch", type=int, default=1000, help="figures per ingestion batch")
        parser.add_argument("--show-bad", type=int, default=50, help="bad rows to list (all are counted)")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            zone = ZoneInfo(options["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"unknown time zone: {options['timezone']}") from None
        if not os.path.isfile(path):
            raise CommandError(f"no such file: {path}")
        started = clock.perf_counter()
        size = os.path.getsize(path)
        reading = Progress(self.stdout, "reading", size)
        read_bytes = 0

        def on_line(number: int, length: int) -> None:
            nonlocal read_bytes
            read_bytes += length
            if number % 2000 == 0:
                reading.update(read_bytes)

        try:
            with open(path, encoding="utf-8", errors="replace", newline="") as handle:
                calls = read_call_file(
                    iter(handle),
                    interval_minutes=options["interval"],
                    threshold_seconds=options["threshold"],
                    short_abandon_seconds=options["short_abandon"],
                    zone=zone,
                    queue_by=options["queue_by"],
                    on_line=on_line,
                )
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        reading.finish()

        figures = calls.figures(interval_minutes=options["interval"], threshold_seconds=options["threshold"])
        storing = Progress(self.stdout, "judging", len(figures))
        totals = Counter()
        by_rule: Counter[str] = Counter()
        incidents: set[int] = set()
        failures: list[str] = []
        batch = max(1, options["batch"])
        for offset in range(0, len(figures), batch):
            chunk = figures[offset : offset + batch]
            try:
                result = services.interval_figures_ingest(user=SYSTEM_USER, items=chunk, source="import")
            except IncidentError as exc:
                # A refused batch is reported, never fatal: the other batches still go in.
                failures.append(
                    f"figures {offset + 1}–{offset + len(chunk)}: {exc.message} {exc.detail or ''}"
                )
                continue
            totals.update(created=result.created, updated=result.updated, unchanged=result.unchanged)
            for warning in result.warnings:
                by_rule[warning.rule_code] += 1
                if warning.incident_id:
                    incidents.add(warning.incident_id)
            storing.update(offset + len(chunk))
        storing.finish()
        self._summary(
            calls, figures, totals, by_rule, incidents, failures, options, clock.perf_counter() - started
        )

    def _summary(self, calls, figures, totals, by_rule, incidents, failures, options, elapsed) -> None:
        write = self.stdout.write
        write("")
        write(f"file              {options['file']}")
        write(f"time zone         {options['timezone']} (times in the file are local; stored in UTC)")
        write(f"calls read        {calls.calls}")
        write(f"  offered         {calls.offered}")
        write(f"  phantom         {calls.phantom} (ignored by definition)")
        write(f"  VRU only        {calls.vru_only} (hung up before queueing: not offered)")
        write(f"  bad rows        {len(calls.bad_rows)} (skipped)")
        for number, reason in calls.bad_rows[: options["show_bad"]]:
            write(f"    line {number}: {reason}")
        if len(calls.bad_rows) > options["show_bad"]:
            write(f"    … and {len(calls.bad_rows) - options['show_bad']} more (use --show-bad to list them)")
        write(
            f"intervals         {len(figures)} ({options['interval']} min; queue by {options['queue_by']}): "
            f"{totals['created']} new, {totals['updated']} updated, {totals['unchanged']} unchanged"
        )
        write(f"warnings raised   {sum(by_rule.values())}")
        for code, count in sorted(by_rule.items()):
            write(f"  {code:<22}{count}")
        write(f"incidents         {len(incidents)} monitoring incidents opened or updated")
        for failure in failures:
            write(self.style.ERROR(f"refused batch: {failure}"))
        write(f"elapsed           {elapsed:.1f} s")
        if failures:
            sys.exit(1)
