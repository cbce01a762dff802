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

from .. import contributions, events, policies, presentation
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


def _due(item: ChecklistTemplateItem, *, at: datetime) -> datetime:
    """A template measure's due time counted from ``at`` (activation, or the correction that brings it in)."""
    if item.recurrence == Recurrence.WEEKLY_FRIDAY:
        return _next_friday(at)
    return at + timedelta(minutes=item.due_after_minutes)


def _copy(item: ChecklistTemplateItem, *, version: int, incident: Incident, at: datetime) -> ChecklistItem:
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
        due_at=_due(item, at=at),
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
    (activated, executing, termination requested) the checklist follows: the open measures that apply only to
    other kinds are **withdrawn** (kept, with when, by whom and the correction's reason — never deleted), a
    withdrawn measure the new kind asks for again is **reinstated** (due from now), and the new kind's
    measures missing from it are added (from the template version the checklist came from, due from now);
    done ones stay, as done. The timeline keeps the old and the new kind, the reason, and what was added,
    withdrawn and reinstated."""
    with incident_action(incident_id, user=user, may=policies.may_correct_kind) as act:
        incident = act.incident
        form = KindForm(data)
        if not form.is_valid():
            raise Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())
        previous, kind = incident.kind, form.cleaned_data["kind"]
        reason = form.cleaned_data["reason"]
        if kind == previous:
            raise Invalid(
                refusals.invalid_fields_message(),
                detail={"kind": [{"message": _("事件种类未改变。"), "code": "unchanged"}]},
            )
        now = timezone.now()
        incident.kind = kind
        incident.save(update_fields=["kind", "updated_at"])
        added: list[ChecklistItem] = []
        withdrawn: list[ChecklistItem] = []
        kept: list[ChecklistItem] = []
        keep: dict[str, dict[str, Any]] = {}
        reinstated: list[ChecklistItem] = []
        if plan_running(incident.state):
            current = list(
                ChecklistItem.objects.select_for_update(of=("self",))
                .select_related("template_item")
                .filter(incident=incident)
                .order_by("position", "due_at", "id")
            )
            version = next((i.template_version for i in current if i.template_version), None)
            templates = ChecklistTemplate.objects.filter(plan=incident.plan)
            template = (
                templates.filter(version=version).first()
                if version
                else templates.filter(is_active=True).order_by("-version").first()
            )
            by_code = {item.code: item for item in template.items.all()} if template is not None else {}
            # as each item stood before the correction: the record keeps owner and due time of what is
            # withdrawn, and of what is reinstated its earlier due time and withdrawal
            before = {i.pk: _as_recorded(i) for i in current}
            # an item whose work is under way is not withdrawn behind the back of those doing it: another
            # app (measures' roll call) says which it still acts on, and they stay open (docs/decisions.md)
            leaving = [i for i in current if i.is_open and not applies_to(i.kinds, kind)]
            keep = contributions.items_kept_open(incident, leaving)
            kept = [i for i in leaving if i.code in keep]
            withdrawn = _withdraw(
                [i for i in leaving if i.code not in keep],
                user=user,
                at=now,
                reason=reason,
            )
            reinstated = _reinstate(
                [i for i in current if i.is_withdrawn and i.done_at is None and applies_to(i.kinds, kind)],
                by_code=by_code,
                at=now,
            )
            # what the checklist holds for the new kind: done rows, open rows, the ones just reinstated
            present = {i.code for i in current if not i.is_withdrawn}
            if template is not None:
                added = ChecklistItem.objects.bulk_create(
                    _copy(item, version=template.version, incident=incident, at=now)
                    for item in template.items.order_by("position")
                    if item.kinds and kind in item.kinds and item.code not in present
                )
        payload = {
            "from": previous,
            "to": kind,
            "reason": reason,
            "added": [item.title for item in added],
            "withdrawn": [item.title for item in withdrawn],
            "withdrawn_ids": [item.pk for item in withdrawn],
            "reinstated": [item.title for item in reinstated],
            # open items the new kind no longer asks for, kept open because their work is under way
            "kept": [item.title for item in kept],
            "kept_items": [
                {"id": item.pk, "code": item.code, "title": item.title, **keep[item.code]} for item in kept
            ],
            "reinstated_ids": [item.pk for item in reinstated],
            "withdrawn_items": [before[item.pk] for item in withdrawn],
            "reinstated_items": [
                {
                    **before[item.pk],
                    "previous_due_at": before[item.pk]["due_at"],
                    "due_at": item.due_at.isoformat() if item.due_at else None,
                }
                for item in reinstated
            ],
        }
        with translation.override(settings.LANGUAGE_CODE):  # the record's text, in the plan's language
            comment = presentation.kind_correction_text(payload)
        act.record("kind_corrected", comment=comment, payload=payload, at=now)
        events.publish(
            events.IncidentKindCorrected(
                incident=incident,
                actor=user,
                added=added,
                withdrawn_ids=[i.pk for i in withdrawn],
                reinstated=reinstated,
            )
        )
        return incident


def _as_recorded(item: ChecklistItem) -> dict[str, Any]:
    """An item's owner, due time and any earlier withdrawal, for the correction's timeline payload."""
    return {
        "id": item.pk,
        "title": item.title,
        "owner_id": item.owner_id,
        "due_at": item.due_at.isoformat() if item.due_at else None,
        "withdrawn_at": item.withdrawn_at.isoformat() if item.withdrawn_at else None,
        "withdrawn_by_id": item.withdrawn_by_id,
        "withdrawn_reason": item.withdrawn_reason,
    }


def _withdraw(items: list[ChecklistItem], *, user: Any, at: datetime, reason: str) -> list[ChecklistItem]:
    """Mark the (locked, open) items withdrawn with the correction's reason, as typed: the row stays."""
    for item in items:
        item.withdrawn_at, item.withdrawn_by, item.withdrawn_reason = at, user, reason
    ChecklistItem.objects.bulk_update(items, ["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    return items


def _reinstate(
    items: list[ChecklistItem], *, by_code: dict[str, ChecklistTemplateItem], at: datetime
) -> list[ChecklistItem]:
    """Bring withdrawn (locked, never done) items back rather than copy them again: the withdrawal fields are
    cleared and the item is due from now, as a measure added by the correction would be (its template
    item's minutes; due at once if its template item is gone). One per code."""
    seen: set[str] = set()
    back: list[ChecklistItem] = []
    for item in sorted(items, key=lambda i: i.withdrawn_at or at, reverse=True):
        if item.code in seen:
            continue
        seen.add(item.code)
        template_item = item.template_item or by_code.get(item.code)
        item.due_at = _due(template_item, at=at) if template_item is not None else at
        item.withdrawn_at, item.withdrawn_by, item.withdrawn_reason = None, None, ""
        back.append(item)
    ChecklistItem.objects.bulk_update(back, ["due_at", "withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    return back


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
        if checklist_item.withdrawn_at:
            raise Conflict(
                _("该措施已于 %(at)s 撤销（%(reason)s），无需完成。")
                % {
                    "at": timezone.localtime(checklist_item.withdrawn_at).strftime("%Y-%m-%d %H:%M"),
                    "reason": checklist_item.withdrawn_reason,
                },
                current_state=incident.state,
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
            kinds=checklist_item.kinds,  # the next occurrence applies to the same kinds (Art. 14 (2))
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
        .open()
        .filter(incident=act.incident, code=code)
        .order_by("due_at", "id")
        .first()
    )
    if checklist_item is None:
        return None
    return _complete(act, checklist_item, user=act.user, evidence=evidence[:2000])
