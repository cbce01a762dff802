"""Issue 13: owners, due times and the one overdue clock for the dispute plan, the clarification statement
and each complaint; the per-incident ``ComplaintClock`` folded into the per-complaint clocks.

Data (decisions.md, issue 13 — one clock rule):
- a ``ComplaintClock`` is dropped: it counted from the activation for the incident as a whole and named no
  complainant, so no complaint can be made of it; its pending ``complaint_clock_due`` timer is cancelled.
  The complaints of the incident (``ComplaintCase``) have their own clocks.
- an open complaint's pending ``complaint_case_due`` timer is cancelled and its overdue clock written as
  ``measure_overdue`` steps from its due time (handler → lead group's lead → leader and deputy);
- a dispute plan still proposed or approved gets the due time of a new one (3 days from its proposal), its
  owner the lead group's lead, and its clock; a statement waiting to be vetted or published gets none (its
  due time was never set) — it is chased from its next step on."""

from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from escalation.migration_steps import measure_steps_write

OPEN_STATES = ("activated", "executing", "termination_requested", "terminated", "investigating")


def forwards(apps, schema_editor):
    Timer = apps.get_model("escalation", "Timer")
    ComplaintCase = apps.get_model("measures", "ComplaintCase")
    DisputePlan = apps.get_model("measures", "DisputePlan")
    now = timezone.now()
    Timer.objects.filter(
        kind__in=("complaint_clock_due", "complaint_case_due"), fired_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=now, outcome="folded into the one measure clock (issue 13)")
    for case in ComplaintCase.objects.filter(is_open=True, incident__state__in=OPEN_STATES):
        days = (30 if case.is_complex else 15) + case.extension_days
        measure_steps_write(
            apps,
            incident_id=case.incident_id,
            measure="complaint_case",
            record_id=case.pk,
            owner=[f"person:{case.handler_id}"],
            due=case.recorded_at + timedelta(days=days),
            title="单笔投诉办结时限",
        )
    for plan in DisputePlan.objects.filter(
        status__in=("proposed", "approved"), done_at__isnull=True, incident__state__in=OPEN_STATES
    ):
        plan.due_at = plan.recorded_at + timedelta(days=3)
        plan.save(update_fields=["due_at"])
        measure_steps_write(
            apps,
            incident_id=plan.incident_id,
            measure="dispute_plan",
            record_id=plan.pk,
            owner=["lead_group_lead"],
            due=plan.due_at,
            title="纠纷解决方案",
        )


class Migration(migrations.Migration):

    dependencies = [
        ('measures', '0005_after_event_second_line'),
        ('teams', '0003_acting_leaders'),
        ('escalation', '0010_measure_overdue_payloads'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='clarificationstatement',
            name='step_due_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='当前步骤完成时限'),
        ),
        migrations.AddField(
            model_name='complaintcase',
            name='extension_request_reason',
            field=models.TextField(blank=True, verbose_name='延期理由'),
        ),
        migrations.AddField(
            model_name='complaintcase',
            name='extension_requested_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='延期申请时间'),
        ),
        migrations.AddField(
            model_name='complaintcase',
            name='extension_requested_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='延期申请人'),
        ),
        migrations.AddField(
            model_name='complaintcase',
            name='extension_requested_days',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='申请延期（天）'),
        ),
        migrations.AddField(
            model_name='disputeplan',
            name='done_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='实施完成时间'),
        ),
        migrations.AddField(
            model_name='disputeplan',
            name='done_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='完成登记人'),
        ),
        migrations.AddField(
            model_name='disputeplan',
            name='due_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='完成时限'),
        ),
        migrations.AddField(
            model_name='disputeplan',
            name='evidence',
            field=models.TextField(blank=True, verbose_name='实施情况/证据'),
        ),
        migrations.AddField(
            model_name='disputeplan',
            name='owner',
            field=models.ForeignKey(blank=True, help_text='留空为牵头工作小组组长', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='teams.person', verbose_name='责任人'),
        ),
        migrations.AddField(
            model_name='disputeplan',
            name='owner_role',
            field=models.CharField(blank=True, default='lead_group_lead', max_length=30, verbose_name='责任角色'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.DeleteModel(
            name='ComplaintClock',
        ),
    ]
