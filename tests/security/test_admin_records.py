"""The admin shows the record and never deletes it (issue 16): timers, notifications, late-report flags,
security events, the read log and every other record registered with ``ReadOnlyAdmin``."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from core.admin import ReadOnlyAdmin
from escalation.models import Escalation, LateReport, Notification, Timer
from security.models import SecurityEvent
from tests.reports.builders import run_to_investigation

pytestmark = pytest.mark.django_db

RECORDS = [Timer, Notification, LateReport, Escalation, SecurityEvent]


@pytest.mark.parametrize("model", RECORDS, ids=lambda m: m.__name__)
def test_records_cannot_be_deleted_or_edited_in_the_admin(model, org, client):
    assert isinstance(admin.site._registry[model], ReadOnlyAdmin)
    run_to_investigation(org, warned_in_advance=False, detected_minutes_ago=120)  # late: flagged
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.FORBIDDEN, username="x")
    obj = model.objects.first()
    assert obj is not None, f"no {model.__name__} row to try"
    client.force_login(org["admin"])
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    assert b'value="delete_selected"' not in changelist.content
    delete_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert model.objects.filter(pk=obj.pk).exists()
    change = client.post(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]), {})
    assert change.status_code in (200, 403)  # the view page, read-only; nothing saved
    assert model.objects.filter(pk=obj.pk).exists()
