"""Periodic work of the reports app: reminders for overdue corrective and preventive actions."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from escalation import services as escalation_services

from . import selectors
from .models import CorrectiveAction

REMIND_EVERY = timedelta(hours=getattr(settings, "ACTION_REMINDER_HOURS", 24))


@shared_task(name="reports.tasks.remind_overdue_actions")
def remind_overdue_actions(batch: int = 200) -> int:
    """Remind each overdue action's owner, at most once per ``REMIND_EVERY``. Safe to run twice or in two
    workers at once: each action is claimed under a row lock (``skip_locked``) and stamped
    ``last_reminded_at`` in the same transaction that queues its notification."""
    now = timezone.now()
    reminded = 0
    with transaction.atomic():
        due = selectors.actions_due_for_reminder(now=now, every=REMIND_EVERY).select_for_update(
            of=("self",), skip_locked=True
        )[:batch]
        for action in due:
            CorrectiveAction.objects.filter(pk=action.pk).update(last_reminded_at=now)
            incident = action.investigation.incident
            audience = [f"user:{action.owner.user_id}"] if action.owner.user_id else ["leadership_deciders"]
            escalation_services.notify(
                incident=incident,
                audience=audience,
                event="action_overdue",
                context={
                    "action": action.pk,
                    "title": action.title,
                    "owner": action.owner.name,
                    "due_date": action.due_date.isoformat(),
                    "days_overdue": (timezone.localdate(now) - action.due_date).days,
                },
            )
            reminded += 1
    return reminded
