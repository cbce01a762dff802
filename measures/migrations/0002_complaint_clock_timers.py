"""Issue 11 — one clock: a running complaint clock is an escalation timer fired by the one sweep (the clock
had a due date and no reminder). Every clock of an incident not yet closed gets its timer."""

from datetime import timedelta

from django.db import migrations


def start_complaint_clocks(apps, schema_editor):
    ComplaintClock = apps.get_model("measures", "ComplaintClock")
    Timer = apps.get_model("escalation", "Timer")
    timers = []
    for clock in ComplaintClock.objects.exclude(incident__state__in=["closed", "dismissed"]):
        days = 30 if clock.is_complex else 15
        if clock.extension_status == "approved":
            days += clock.extension_days
        timers.append(
            Timer(
                incident_id=clock.incident_id,
                kind="complaint_clock_due",
                due_at=clock.started_at + timedelta(days=days),
                payload={"record": clock.pk, "days": days},
            )
        )
    Timer.objects.bulk_create(timers)


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0001_initial"),
        ("escalation", "0003_corrective_action_and_complaint_timers"),
    ]

    operations = [migrations.RunPython(start_complaint_clocks, migrations.RunPython.noop)]
