"""Checklists (DESIGN §4): the plan's template copied onto the incident at activation (Art. 11), and each
measure completed with its evidence."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import errors as refusals
from core.errors import Conflict, Forbidden, IncidentNotFound, Invalid
from teams import selectors as team_selectors
from teams.models import Party, Person, Team

from .. import events, policies, presentation
from ..forms import ChecklistDoneForm, KindForm
from ..models import ChecklistItem, ChecklistTemplate, Incident, OwnerRole, Recurrence
from ..models.checklist import ChecklistTemplateItem, applies_to
from ..states import plan_running
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


def _copy(item: ChecklistTemplateItem, *, version: int, incident: Incident, at: datetime) -> ChecklistItem:
    due = at + timedelta(minutes=item.due_after_minutes)
    if item.recurrence == Recurrence.WEEKLY_FRIDAY:
        due = _next_friday(at)
    return ChecklistItem(
        incident=incident,
        template_item=item,
        template_version=version,
        position=item.position,
        code=item.code,
        title=item.title,
        article=item.article,
        owner_role=item.owner_role,
        owner=_owner_for(item.owner_role, incident),
        due_at=due,
        recurrence=item.recurrence,
        kinds=item.kinds,
    )


def checklist_instantiate(*, incident: Incident, at: datetime) -> list[ChecklistItem]:
    """Copy the plan's current template onto the incident at activation (Art. 11): the measures common to
    every kind of event and those of the incident's kind (Art. 14) — all of them while the kind is unknown."""
    template = (
        ChecklistTemplate.objects.filter(plan=incident.plan, is_active=True).order_by("-version").first()
    )
    if template is None:
        return []
    items = [
        _copy(item, version=template.version, incident=incident, at=at)
        for item in template.items.order_by("position")
        if applies_to(item.kinds, incident.kind)
    ]
    return ChecklistItem.objects.bulk_create(items)


def incident_correct_kind(*, incident_id: int, user: Any, data: dict[str, Any]) -> Incident:
    """Art. 14: the Leadership Group corrects the kind of sudden event, with a reason. While the plan runs
    (activated, executing, termination requested) the checklist follows: the new kind's measures missing
    from it are added (from the template version the checklist came from, due from now), and the open
    measures that apply only to other kinds are removed; done ones stay, as done. The timeline keeps the old
    and the new kind, the reason, and what was added and removed."""
    with incident_action(incident_id, user=user, may=policies.may_correct_kind) as act:
        incident = act.incident
        form = KindForm(data)
        if not form.is_valid():
            raise Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())
        previous, kind = incident.kind, form.cleaned_data["kind"]
        if kind == previous:
            raise Invalid(
                refusals.invalid_fields_message(),
                detail={"kind": [{"message": _("事件种类未改变。"), "code": "unchanged"}]},
            )
        now = timezone.now()
        incident.kind = kind
        incident.save(update_fields=["kind", "updated_at"])
        added: list[ChecklistItem] = []
        removed: list[ChecklistItem] = []
        if plan_running(incident.state):
            current = list(ChecklistItem.objects.select_for_update(of=("self",)).filter(incident=incident))
            removed = [i for i in current if i.done_at is None and not applies_to(i.kinds, kind)]
            ChecklistItem.objects.filter(pk__in=[i.pk for i in removed]).delete()
            version = next((i.template_version for i in current if i.template_version), None)
            templates = ChecklistTemplate.objects.filter(plan=incident.plan)
            template = (
                templates.filter(version=version).first()
                if version
                else templates.filter(is_active=True).order_by("-version").first()
            )
            present = {i.code for i in current if i not in removed}
            if template is not None:
                added = ChecklistItem.objects.bulk_create(
                    _copy(item, version=template.version, incident=incident, at=now)
                    for item in template.items.order_by("position")
                    if item.kinds and kind in item.kinds and item.code not in present
                )
        payload = {
            "from": previous,
            "to": kind,
            "reason": form.cleaned_data["reason"],
            "added": [item.title for item in added],
            "removed": [item.title for item in removed],
        }
        with translation.override(settings.LANGUAGE_CODE):  # the record's text, in the plan's language
            comment = presentation.kind_correction_text(payload)
        act.record("kind_corrected", comment=comment, payload=payload, at=now)
        events.publish(
            events.IncidentKindCorrected(
                incident=incident, actor=user, added=added, removed_ids=[i.pk for i in removed]
            )
        )
        return incident


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
        _complete(act, checklist_item, user=user, evidence=form.cleaned_data["evidence"])
        return checklist_item


def _complete(act: Any, checklist_item: ChecklistItem, *, user: Any, evidence: str) -> ChecklistItem:
    """Mark the (locked, open) item done inside the caller's ``incident_action``: the one timeline entry and
    the one ``ChecklistItemDone`` event (which stops its clock, and schedules a recurring item's next)."""
    incident = act.incident
    now = timezone.now()
    checklist_item.done_at = now
    checklist_item.done_by = user
    checklist_item.evidence = evidence
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


def checklist_item_done_by_measure(act: Any, code: str, *, evidence: str) -> ChecklistItem | None:
    """A measure carried out on its own page (the A/B roster, the roll call, second line to the front)
    completes the incident's matching open checklist item, in the measure's ``incident_action`` and as its
    acting user — done by the measure, so not refused when that user is not the item's owner (the measure's
    own page already decided who may carry it out). None when no such item is open (not activated yet,
    another plan, done already)."""
    checklist_item = (
        ChecklistItem.objects.select_for_update(of=("self",))
        .filter(incident=act.incident, code=code, done_at__isnull=True)
        .order_by("due_at", "id")
        .first()
    )
    if checklist_item is None:
        return None
    return _complete(act, checklist_item, user=act.user, evidence=evidence[:2000])
