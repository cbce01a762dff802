"""Partial covering indexes on incidents for the statistics page (DESIGN §8: ≤ 500 ms over 100,000
incidents). Owned by the reports app, which is their only reader: the operational figures are read by
index-only scans of these narrow indexes instead of the wide incident table. PostgreSQL only."""

from django.db import migrations

OPERATIONAL = "WHERE NOT is_drill AND state <> 'dismissed'"
INDEXES = {
    "reports_stat_times": f"(detected_at, reported_at, decided_at, activated_at, terminated_at) {OPERATIONAL}",
    "reports_stat_breakdown": f"(category, plan, grade, detected_at) {OPERATIONAL}",
    "reports_stat_drills": "(detected_at) WHERE is_drill",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON incidents_incident {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_investigation_record"),
        ("incidents", "0002_checklist_templates"),
    ]

    operations = [migrations.RunPython(create, drop)]
