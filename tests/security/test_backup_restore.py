"""The backup and restore drill (issue 8): back up, wipe the database and the media folder, restore, and
find every incident, an intact timeline chain and every attachment's checksum as before."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command, get_commands
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bench import stack
from incidents.models import Attachment, Incident, TimelineEntry
from incidents.models.timeline import GENESIS_HASH

pytestmark = pytest.mark.slow


@pytest.fixture
def drill_database(django_db_blocker, settings, tmp_path):
    """A database of its own for the drill (``<test database>_drill``, migrated afresh): pg_dump sees only
    committed data, and wiping the test database itself would take the data migrations' rows with it."""
    name = connection.settings_dict["NAME"] + "_drill"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with django_db_blocker.unblock():
        _drop(name)
        stack.ensure_database(name)
        with stack.using_database(name):
            call_command("migrate", verbosity=0)
            call_command("seed_demo", stdout=io.StringIO())
            yield name
        _drop(name)


def _drop(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _api(username: str) -> APIClient:
    client = APIClient()
    user = get_user_model().objects.get(username=username)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _chain_breaks() -> list[str]:
    """Recompute every incident's hash chain in order; name the entries that do not hold."""
    broken = []
    for incident_id in Incident.objects.values_list("id", flat=True):
        previous = GENESIS_HASH
        for entry in TimelineEntry.objects.filter(incident_id=incident_id).order_by("seq"):
            if entry.prev_hash != previous or entry.compute_hash() != entry.hash:
                broken.append(str(entry))
            previous = entry.hash
    return broken


def _snapshot() -> dict:
    return {
        "incidents": list(Incident.objects.order_by("id").values()),
        "timeline": list(TimelineEntry.objects.order_by("incident_id", "seq").values_list("hash", flat=True)),
        "attachments": list(Attachment.objects.order_by("id").values_list("id", "file", "sha256")),
    }


def test_backup_wipe_restore_loses_nothing(drill_database, settings, tmp_path):
    client = _api("supervisor")
    incidents = []
    for n in range(3):
        declared = client.post(
            "/api/v1/incidents/",
            {
                "title": f"演练事件 {n}",
                "category": "system_outage",
                "is_drill": True,
                "detected_at": timezone.now().isoformat(),
            },
            format="json",
        )
        assert declared.status_code == 201, declared.content
        incidents.append(declared.json())
    for incident in incidents:
        response = client.post(
            f"/api/v1/incidents/{incident['id']}/attachments/",
            {"file": SimpleUploadedFile("evidence.txt", f"证据 {incident['id']}".encode(), "text/plain")},
            format="multipart",
        )
        assert response.status_code == 201, response.content
    before = _snapshot()
    assert len(before["incidents"]) == 3 and len(before["attachments"]) == 3 and before["timeline"]
    assert _chain_breaks() == []

    backup_dir = tmp_path / "backup"
    call_command("backup", output=str(backup_dir), stdout=io.StringIO())
    assert {p.name for p in backup_dir.iterdir()} == {"database.dump", "media.tar.gz", "manifest.json"}

    # Wipe: the whole schema and the media folder, as a lost disk would.
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    shutil.rmtree(settings.MEDIA_ROOT)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('incidents_incident')")
        assert cursor.fetchone()[0] is None

    call_command("restore", str(backup_dir), stdout=io.StringIO())

    assert _snapshot() == before
    assert _chain_breaks() == []
    if "verify_timeline" in get_commands():  # the lead's checker, once it is on main
        call_command("verify_timeline", stdout=io.StringIO())
    for attachment in Attachment.objects.all():
        data = Path(attachment.file.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == attachment.sha256
    # The append-only trigger came back with the table.
    entry = TimelineEntry.objects.first()
    with pytest.raises(Exception, match="timeline_append_only|Cannot"), transaction.atomic():
        TimelineEntry.objects.filter(pk=entry.pk).update(comment="altered")


def test_restore_refuses_a_damaged_backup(drill_database, settings, tmp_path):
    backup_dir = tmp_path / "backup"
    call_command("backup", output=str(backup_dir), stdout=io.StringIO())
    with (backup_dir / "database.dump").open("ab") as dump:
        dump.write(b"tampered")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="checksum"):
        call_command("restore", str(backup_dir), stdout=io.StringIO())
