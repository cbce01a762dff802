"""Issue 13: corrective actions are on the one overdue clock of every measure. An open action's pending
``corrective_action_overdue`` reminder is cancelled and its ``measure_overdue`` steps written from its due
time (the start of the day after its due date, Asia/Shanghai): owner → lead group's lead → leader and
deputy, each once. Only while the case is investigated (the only state that chases actions)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from escalation.migration_steps import measure_steps_write


def forwards(apps, schema_editor):
    Timer = apps.get_model("escalation", "Timer")
    CorrectiveAction = apps.get_model("reports", "CorrectiveAction")
    Timer.objects.filter(
        kind="corrective_action_overdue", fired_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=timezone.now(), outcome="folded into the one measure clock (issue 13)")
    local = ZoneInfo(settings.TIME_ZONE)
    for action in CorrectiveAction.objects.exclude(status="done").filter(
        investigation__incident__state="investigating"
    ).select_related("investigation"):
        due = datetime.combine(action.due_date + timedelta(days=1), time.min, tzinfo=local)
        measure_steps_write(
            apps,
            incident_id=action.investigation.incident_id,
            measure="corrective_action",
            record_id=action.pk,
            owner=[f"person:{action.owner_id}"],
            due=due,
            title=action.title,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_action_reminders_are_timers"),
        ("escalation", "0010_measure_overdue_payloads"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
