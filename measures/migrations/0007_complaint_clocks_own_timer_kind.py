"""The complaint-side measures' overdue clocks (a complaint, a dispute plan, a clarification statement) get
their own timer kind, ``complaint_case_due``, which the state table keeps from activation until the close;
their pending ``measure_overdue`` timers move onto it (``escalation.migration_steps``, historical models)."""

from django.db import migrations

from escalation.migration_steps import measure_timers_rekind

MEASURES = ("complaint_case", "dispute_plan", "statement")


def forwards(apps, schema_editor):
    measure_timers_rekind(apps, measures=MEASURES, kind="complaint_case_due")


def backwards(apps, schema_editor):
    measure_timers_rekind(apps, measures=MEASURES, kind="complaint_case_due", back=True)


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0006_measure_owners_and_clocks"),
        ("escalation", "0011_measure_timer_kinds"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
