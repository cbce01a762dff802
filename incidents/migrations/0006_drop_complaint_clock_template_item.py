"""The major-complaint plan's checklist line ``complaint_clock`` ("投诉15日内办结…", due 15 days after the
activation) duplicated the per-complaint clocks (Art. 14-bis 7: each complaint is due 15 days after its own
registration, ``measures.clocks``): it is removed from the templates. Incidents already activated keep
their checklist rows (``ChecklistItem.template_item`` is set to null); nothing is restored going back."""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("incidents", "ChecklistTemplateItem").objects.filter(code="complaint_clock").delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0005_incident_kind_checklist_kinds")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
