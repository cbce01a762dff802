"""The demo organisation, its users and every app's defaults — at the project level, because it knows
every app (issue 11)."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

import teams
from escalation import services as escalation_services
from incidents.defaults import ensure_checklist_templates
from incidents.models import ChecklistTemplate, ChecklistTemplateItem
from monitoring import defaults as monitoring_defaults
from monitoring.models import EarlyWarningRule, MonitoredSystem
from teams import services as team_services
from teams.roles import INTEGRATOR_GROUP

DEMO_ORG = Path(teams.__file__).resolve().parent / "fixtures" / "demo_org.yaml"
DEMO_USERS = [
    "gm",
    "supervisor",
    "phone_lead",
    "complaint_lead",
    "sudden_lead",
    "agent",
    "security_head",
    "hq_office",
    "auditor",
    "admin",
]


class Command(BaseCommand):
    help = "Seed the demo organisation and the demo users of DESIGN §7 (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        team_services.organisation_load_file(path=DEMO_ORG)
        # Every app's defaults too (idempotent): a fresh demo, and a test database a flush has emptied.
        ensure_checklist_templates(ChecklistTemplate, ChecklistTemplateItem)
        escalation_services.policies_seed_defaults()
        monitoring_defaults.ensure_defaults(EarlyWarningRule, MonitoredSystem)
        User = get_user_model()
        admin, _created = User.objects.get_or_create(username="admin")
        admin.is_staff = admin.is_superuser = True
        admin.email = admin.email or "admin@bank.example"
        admin.save()
        integrator, _created = User.objects.get_or_create(username="acd")
        integrator.groups.add(Group.objects.get(name=INTEGRATOR_GROUP))
        for user in User.objects.filter(username__in=DEMO_USERS):
            user.set_password(settings.DEMO_PASSWORD)
            user.save(update_fields=["password"])
        self.stdout.write(self.style.SUCCESS("Demo organisation ready. Logins: " + ", ".join(DEMO_USERS)))
