"""The early-warning defaults of DESIGN §5 and a first registry of monitored systems (editable in the admin).

Target 80 % of calls answered within 20 s; severe when the answer rate stays below 70 % or the service
level below 50 % for 2 consecutive intervals. The abandonment and complaint thresholds are this project's
choice (DESIGN leaves Z and K open) and documented in docs/monitoring.md.
"""

from django.db import migrations

from monitoring.defaults import RULES, ensure_defaults


def seed(apps, schema_editor):
    ensure_defaults(apps.get_model("monitoring", "EarlyWarningRule"), apps.get_model("monitoring", "MonitoredSystem"))


def unseed(apps, schema_editor):
    apps.get_model("monitoring", "EarlyWarningRule").objects.filter(
        code__in=[r[0] for r in RULES], warnings__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
