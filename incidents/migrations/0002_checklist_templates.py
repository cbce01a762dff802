"""Seed version 1 of each plan's measures (incidents/defaults.py)."""

from django.db import migrations

from incidents.defaults import ensure_checklist_templates


def seed(apps, schema_editor):
    ensure_checklist_templates(apps.get_model("incidents", "ChecklistTemplate"), apps.get_model("incidents", "ChecklistTemplateItem"))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
