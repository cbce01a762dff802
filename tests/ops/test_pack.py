"""The emergency pack: a printable PDF with what a person needs when the desk is down — written by the
command, every night by a timer row the one sweep fires, and downloadable by the Leadership Group only."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from escalation import services as escalation_services
from escalation.models import Timer, TimerKind
from incidents.models import ChecklistTemplateItem
from measures import services as measures_services
from ops import pack
from tests.measures.test_services import _activated

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_export_pack_prints_contacts_checklists_roster_and_open_incidents(org, tmp_path):
    incident = _activated(org, "disaster")
    today = timezone.localdate()
    measures_services.roster_generate(
        incident_id=incident.pk,
        user=org["sudden_lead"],
        data={"starts_on": today.isoformat(), "period_days": "2"},
    )
    output = tmp_path / "pack.pdf"
    call_command("export_pack", "--output", str(output), stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert output.read_bytes().startswith(b"%PDF")
    text = _text(output)
    assert "王建国" in text and "13800000001" in text  # the leader and his phone
    assert "大厦安全保卫负责人" in text  # the parties
    assert "今日当班：A组" in text  # first period of the roster
    assert f"#{incident.pk}" in text and "测试" in text  # the open incident
    due = timezone.localtime(
        Timer.objects.filter(incident=incident, fired_at__isnull=True, cancelled_at__isnull=True)
        .earliest("due_at")
        .due_at
    )
    assert f"{due:%Y-%m-%d %H:%M}" in text  # its soonest running deadline, Beijing time
    item = ChecklistTemplateItem.objects.filter(template__is_active=True).first()
    assert item is not None and item.title[:8] in text.replace("\n", "")  # a plan's checklist


def test_the_nightly_timer_writes_the_pack_and_schedules_the_next_night(org):
    timer = pack.pack_timer_ensure()
    assert pack.pack_timer_ensure().pk == timer.pk  # one clock, whoever asks
    local_due = timezone.localtime(timer.due_at)
    assert (local_due.hour, local_due.minute) == (2, 0)
    assert timer.incident_id is None

    Timer.objects.filter(pk=timer.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    counts = escalation_services.timers_sweep()  # the one sweep fires it
    assert counts.get("fired") == 1, counts

    timer.refresh_from_db()
    assert timer.fired_at is not None and timer.outcome.startswith("pack ")
    assert pack.latest_pack().read_bytes().startswith(b"%PDF")
    following = Timer.objects.get(kind=TimerKind.EMERGENCY_PACK, fired_at__isnull=True)
    assert timedelta(hours=0) < following.due_at - timezone.now() <= timedelta(days=1)
    assert escalation_services.timers_sweep().get("fired") is None  # fired once only


def test_leadership_downloads_the_pack_others_are_refused(client, org):
    client.force_login(org["agent"])
    assert client.get("/ops/pack/").status_code == 403
    assert client.get("/ops/pack/download/").status_code == 403

    client.force_login(org["gm"])
    assert client.get("/ops/pack/download/").status_code == 404  # none written yet
    page = client.get("/ops/pack/")
    assert page.status_code == 200 and "尚未生成应急包" in page.content.decode()
    assert client.post("/ops/pack/").status_code == 302
    download = client.get("/ops/pack/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert "下载应急包" in client.get("/ops/pack/").content.decode()
