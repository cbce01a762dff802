"""The emergency pack: what the desk knows, on paper, for the hour the desk itself is down (issue 15).

One printable PDF: the organisation (the Leadership Group and the three working groups with phones and
e-mail; the co-approving and notified parties), each plan's checklist (the active template), today's A/B
rotation (Art. 14 (1): the standing groups, and for each open incident with a roster the group on duty
today), and the open incidents with their deadlines. Written by ``manage.py export_pack`` and every night
by an ``emergency_pack`` timer row fired by the one sweep; the Leadership Group downloads it from /ops/pack/.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from escalation import services as escalation_services
from escalation.models import Timer, TimerKind
from incidents import selectors as incident_selectors
from incidents.models import ChecklistTemplate, Incident
from incidents.models.incident import OPEN_STATES
from measures.models import RotationRoster
from reports.rendering import pdf_from_html
from teams import selectors as team_selectors
from teams.models import Person

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def pack_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "emergency-pack"


def latest_pack() -> Path:
    return pack_dir() / "latest.pdf"


@dataclass
class PackInfo:
    path: Path
    generated_at: datetime
    size: int


def latest_pack_info() -> PackInfo | None:
    path = latest_pack()
    if not path.exists():
        return None
    stat = path.stat()
    return PackInfo(path, datetime.fromtimestamp(stat.st_mtime, tz=SHANGHAI), stat.st_size)


def pack_context(*, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    today = now.astimezone(SHANGHAI).date()
    templates = []
    for plan_code in (
        ChecklistTemplate.objects.filter(is_active=True).values_list("plan", flat=True).distinct()
    ):
        template = (
            ChecklistTemplate.objects.filter(plan=plan_code, is_active=True)
            .prefetch_related("items")
            .order_by("-version")
            .first()
        )
        if template is not None:
            templates.append(template)
    incidents = list(
        Incident.objects.filter(state__in=OPEN_STATES)
        .select_related("lead_group")
        .order_by("detected_at", "id")
    )
    deadlines = incident_selectors.deadlines_for(incidents=incidents)
    rosters = []
    for incident in incidents:
        roster = (
            RotationRoster.objects.filter(incident=incident).prefetch_related("assignments__person").first()
        )
        if roster is not None:
            group = roster.group_on(today)
            on_duty = [a for a in roster.assignments.all() if a.group == group]
            rosters.append({"incident": incident, "roster": roster, "group": group, "on_duty": on_duty})
    staff = (
        Person.objects.filter(is_active=True)
        .exclude(rotation_group="")
        .order_by("rotation_group", "line", "name")
    )
    return {
        "generated_at": now.astimezone(SHANGHAI),
        "today": today,
        "teams": list(team_selectors.teams_with_members()),
        "parties": list(team_selectors.parties_with_people()),
        "templates": templates,
        "incidents": [{"incident": i, "deadlines": _with_times(deadlines.get(i.pk, []))} for i in incidents],
        "rosters": rosters,
        "group_a": [p for p in staff if p.rotation_group == "A"],
        "group_b": [p for p in staff if p.rotation_group == "B"],
    }


def _with_times(deadlines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The selectors give ISO strings (for the API); paper wants Asia/Shanghai times."""
    return [{**d, "due_at": datetime.fromisoformat(d["due_at"]).astimezone(SHANGHAI)} for d in deadlines]


def pack_render(*, now: datetime | None = None, language: str | None = None) -> bytes:
    with translation.override(language or settings.LANGUAGE_CODE):
        html = render_to_string("ops/pack.html", pack_context(now=now))
    return pdf_from_html(html)


def pack_export(*, output: Path | None = None, now: datetime | None = None) -> Path:
    """Write the pack; without ``output`` into MEDIA_ROOT/emergency-pack/ (dated copy + latest.pdf, replaced
    atomically so a download never reads half a file). Returns the path written."""
    now = now or timezone.now()
    pdf = pack_render(now=now)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(pdf)
        return output
    directory = pack_dir()
    directory.mkdir(parents=True, exist_ok=True)
    dated = directory / f"emergency-pack-{now.astimezone(SHANGHAI):%Y%m%d-%H%M}.pdf"
    dated.write_bytes(pdf)
    partial = directory / ".latest.pdf.tmp"
    partial.write_bytes(pdf)
    partial.replace(latest_pack())
    for old in sorted(directory.glob("emergency-pack-*.pdf"))[: -settings.OPS_PACK_KEEP]:
        old.unlink(missing_ok=True)
    return dated


# --- the nightly clock: a timer row, fired by the one sweep -------------------------------------------------


def next_pack_due(now: datetime) -> datetime:
    """The next OPS_PACK_HOUR:00 Asia/Shanghai after ``now``."""
    local = now.astimezone(SHANGHAI)
    due = local.replace(hour=settings.OPS_PACK_HOUR, minute=0, second=0, microsecond=0)
    if due <= local:
        due += timedelta(days=1)
    return due


def pack_timer_ensure(*, now: datetime | None = None) -> Timer:
    """Exactly one pending ``emergency_pack`` timer (idempotent; the lock makes two callers agree)."""
    now = now or timezone.now()
    with transaction.atomic():
        pending = (
            Timer.objects.select_for_update()
            .filter(kind=TimerKind.EMERGENCY_PACK, fired_at__isnull=True, cancelled_at__isnull=True)
            .order_by("due_at")
        )
        existing = list(pending)
        if existing:
            return existing[0]
        return escalation_services.timer_schedule(
            incident=None, kind=TimerKind.EMERGENCY_PACK, due_at=next_pack_due(now), payload={}
        )


def fire_pack_timer(timer: Timer) -> str:
    """The handler the sweep calls (registered in ops.apps): write tonight's pack, schedule tomorrow's."""
    path = pack_export()
    escalation_services.timer_schedule(
        incident=None, kind=TimerKind.EMERGENCY_PACK, due_at=next_pack_due(timezone.now()), payload={}
    )
    return f"pack {path.name}"
