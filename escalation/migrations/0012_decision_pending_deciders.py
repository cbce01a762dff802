"""The 15-minute decision reminder goes to who may decide (``activation_deciders``: ``policies.may_decide``,
never the reporter), as the call at report time does. Only a row still carrying the old default is changed:
an administrator's own steps stand. Timers already written keep their snapshot."""

from django.db import migrations

OLD, NEW = ["leadership_deciders"], ["activation_deciders"]


def _swap(apps, old, new):
    EscalationPolicy = apps.get_model("escalation", "EscalationPolicy")
    row = EscalationPolicy.objects.filter(code="decision_pending").first()
    if row is None or not row.steps:
        return
    first = row.steps[0]
    if first.get("audience") == old and first.get("event") == "decision_pending":
        row.steps = [{**first, "audience": new}, *row.steps[1:]]
        row.save(update_fields=["steps"])


def forward(apps, schema_editor):
    _swap(apps, OLD, NEW)


def backward(apps, schema_editor):
    _swap(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("escalation", "0011_measure_timer_kinds")]
    operations = [migrations.RunPython(forward, backward)]
