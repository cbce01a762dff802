"""Issue 11 — one clock: overdue corrective actions are reminded by escalation timers fired by the one
sweep, not by an hourly scan stamping ``last_reminded_at``. Each open action of a case not yet closed gets
its timer (due when it becomes overdue; an action already overdue is reminded at the next sweep)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations


def start_action_clocks(apps, schema_editor):
    CorrectiveAction = apps.get_model("reports", "CorrectiveAction")
    Timer = apps.get_model("escalation", "Timer")
    zone = ZoneInfo(settings.TIME_ZONE)
    open_actions = CorrectiveAction.objects.exclude(status="done").exclude(
        investigation__incident__state="closed"
    )
    Timer.objects.bulk_create(
        Timer(
            incident_id=action.investigation.incident_id,
            kind="corrective_action_overdue",
            due_at=datetime.combine(action.due_date + timedelta(days=1), time.min, tzinfo=zone),
            payload={"record": action.pk},
        )
        for action in open_actions.select_related("investigation")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_statistics_indexes"),
        ("escalation", "0003_corrective_action_and_complaint_timers"),
    ]

    operations = [
        migrations.RunPython(start_action_clocks, migrations.RunPython.noop),
        migrations.RemoveField(model_name="correctiveaction", name="last_reminded_at"),
    ]
