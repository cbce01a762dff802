"""Checklists (DESIGN §4): the plan's template copied onto the incident at activation (Art. 11), and each
measure completed with its evidence."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core import errors as refusals
from core.errors import Conflict, Forbidden, IncidentNotFound, Invalid
from teams import selectors as team_selectors
from teams.models import Party, Person, Team

from .. import events, policies
from ..forms import ChecklistDoneForm
from ..models import ChecklistItem, ChecklistTemplate, Incident, OwnerRole, Recurrence
from .acting import incident_action


def _owner_for(role: str, incident: Incident) -> Person | None:
    if role == OwnerRole.LEAD_GROUP_LEAD and incident.lead_group is not None:
        return team_selectors.team_lead(team_code=incident.lead_group.code)
    if role in (OwnerRole.DEPUTY, OwnerRole.LEADER):
        return team_selectors.people_of_team(team_code=Team.Code.LEADERSHIP, roles=(role,)).first()
    if role in Party.Kind.values:
        party = team_selectors.party(kind=role)
        return party.person if party else None
    return None


def _next_friday(after: datetime) -> datetime:
    local = timezone.localtime(after)
    days = (4 - local.weekday()) % 7 or 7
    return (local + timedelta(days=days)).replace(hour=18, minute=0, second=0, microsecond=0)


def checklist_instantiate(*, incident: Incident, at: datetime) -> list[ChecklistItem]:
    """Copy the plan's current template onto the incident at activation (Art. 11)."""
    template = (
        ChecklistTemplate.objects.filter(plan=incident.plan, is_active=True).order_by("-version").first()
    )
    if template is None:
        return []
    items = []
    for item in template.items.order_by("position"):
        due = at + timedelta(minutes=item.due_after_minutes)
        if item.recurrence == Recurrence.WEEKLY_FRIDAY:
            due = _next_friday(at)
        items.append(
            ChecklistItem(
                incident=incident,
                template_item=item,
                template_version=template.version,
                position=item.position,
                code=item.code,
                title=item.title,
                article=item.article,
                owner_role=item.owner_role,
                owner=_owner_for(item.owner_role, incident),
                due_at=due,
                recurrence=item.recurrence,
            )
        )
    return ChecklistItem.objects.bulk_create(items)


def checklist_item_complete(*, item_id: int, user: Any, data: dict[str, Any]) -> ChecklistItem:
    item = ChecklistItem.objects.filter(pk=item_id).values("incident_id").first()
    if item is None:
        raise IncidentNotFound(_("措施不存在。"))
    with incident_action(item["incident_id"], user=user) as act:
        incident = act.incident
        checklist_item = (
            ChecklistItem.objects.select_for_update(of=("self",)).select_related("owner").get(pk=item_id)
        )
        refusal = policies.measure_refusal(incident, checklist_item, user)
        if refusal:
            raise Forbidden(refusal)
        if checklist_item.done_at:
            raise Conflict(
                _("该措施已由 %(who)s 完成。") % {"who": checklist_item.done_by}, current_state=incident.state
            )
        form = ChecklistDoneForm(data)
        if not form.is_valid():
            raise Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())
        now = timezone.now()
        checklist_item.done_at = now
        checklist_item.done_by = user
        checklist_item.evidence = form.cleaned_data["evidence"]
        checklist_item.save(update_fields=["done_at", "done_by", "evidence"])
        act.record(
            "checklist_done",
            comment=checklist_item.evidence,
            payload={"item": checklist_item.pk, "code": checklist_item.code, "title": checklist_item.title},
            at=now,
        )
        next_item = None
        if checklist_item.recurrence == Recurrence.WEEKLY_FRIDAY and incident.is_open:
            # Art. 14 (2): disinfection every Friday — the next one is due as soon as this one is done.
            next_item = ChecklistItem.objects.create(
                incident=incident,
                template_item=checklist_item.template_item,
                template_version=checklist_item.template_version,
                position=checklist_item.position,
                code=checklist_item.code,
                title=checklist_item.title,
                article=checklist_item.article,
                owner_role=checklist_item.owner_role,
                owner=checklist_item.owner,
                due_at=_next_friday(checklist_item.due_at),
                recurrence=checklist_item.recurrence,
            )
        events.publish(
            events.ChecklistItemDone(incident=incident, actor=user, item=checklist_item, next_item=next_item)
        )
        return checklist_item
