"""Issue 12: a checklist item the kind correction no longer asks for is withdrawn (when, by whom, why), never
deleted. Existing rows are untouched: none is withdrawn."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0006_drop_complaint_clock_template_item'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='checklistitem',
            name='withdrawn_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='撤销时间'),
        ),
        migrations.AddField(
            model_name='checklistitem',
            name='withdrawn_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='撤销人'),
        ),
        migrations.AddField(
            model_name='checklistitem',
            name='withdrawn_reason',
            field=models.TextField(blank=True, verbose_name='撤销原因'),
        ),
    ]
