"""The corrective actions' overdue clocks get their own timer kind, ``corrective_action_overdue``, which the
state table keeps while the case is investigated; their pending ``measure_overdue`` timers move onto it
(``escalation.migration_steps``, historical models)."""

from django.db import migrations

from escalation.migration_steps import measure_timers_rekind

MEASURES = ("corrective_action",)


def forwards(apps, schema_editor):
    measure_timers_rekind(apps, measures=MEASURES, kind="corrective_action_overdue")


def backwards(apps, schema_editor):
    measure_timers_rekind(apps, measures=MEASURES, kind="corrective_action_overdue", back=True)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_corrective_actions_on_measure_clock"),
        ("escalation", "0011_measure_timer_kinds"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
