"""Issue 13: a ``measure_overdue`` timer's payload names its kind of measure and its record
(``{"measure": "checklist_item", "record": <id>}``) now that every kind of measure shares the clock; the rows
written for checklist items before (``{"item": <id>}``) are rewritten to that shape."""

from django.db import migrations


def forwards(apps, schema_editor):
    Timer = apps.get_model("escalation", "Timer")
    for timer in Timer.objects.filter(kind="measure_overdue", payload__has_key="item"):
        payload = dict(timer.payload)
        payload["measure"] = "checklist_item"
        payload["record"] = payload.pop("item")
        timer.payload = payload
        timer.save(update_fields=["payload"])


def backwards(apps, schema_editor):
    Timer = apps.get_model("escalation", "Timer")
    for timer in Timer.objects.filter(kind="measure_overdue", payload__measure="checklist_item"):
        payload = dict(timer.payload)
        payload.pop("measure")
        payload["item"] = payload.pop("record")
        timer.payload = payload
        timer.save(update_fields=["payload"])


class Migration(migrations.Migration):
    dependencies = [("escalation", "0007_bank_days")]

    operations = [migrations.RunPython(forwards, backwards)]
