"""Issue 13: a ``measure_overdue`` timer's payload names its kind of measure and its record
(``{"measure": "checklist_item", "record": <id>}``) now that every kind of measure shares the clock; the rows
written for checklist items before (``{"item": <id>}``, also those of Art. 18's after-event items,
``after_event_overdue``) are rewritten to that shape."""

from django.db import migrations

# the one measure clock's timer kinds (Art. 18's after-event items carry the second)
KINDS = ("measure_overdue", "after_event_overdue")


def forwards(apps, schema_editor):
    Timer = apps.get_model("escalation", "Timer")
    for timer in Timer.objects.filter(kind__in=KINDS, payload__has_key="item"):
        payload = dict(timer.payload)
        payload["measure"] = "checklist_item"
        payload["record"] = payload.pop("item")
        timer.payload = payload
        timer.save(update_fields=["payload"])


def backwards(apps, schema_editor):
    Timer = apps.get_model("escalation", "Timer")
    for timer in Timer.objects.filter(kind__in=KINDS, payload__measure="checklist_item"):
        payload = dict(timer.payload)
        payload.pop("measure")
        payload["item"] = payload.pop("record")
        timer.payload = payload
        timer.save(update_fields=["payload"])


class Migration(migrations.Migration):
    dependencies = [("escalation", "0009_notification_language")]

    operations = [migrations.RunPython(forwards, backwards)]
