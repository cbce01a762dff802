from django.db import migrations


def seed(apps, schema_editor):
    from escalation.defaults import DEFAULT_POLICIES

    EscalationPolicy = apps.get_model("escalation", "EscalationPolicy")
    for code, policy in DEFAULT_POLICIES.items():
        EscalationPolicy.objects.get_or_create(
            code=code,
            defaults={
                "name": policy["name"],
                "description": policy["description"],
                "steps": policy["steps"],
                "params": policy["params"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("escalation", "0001_timers_escalation_notifications")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
