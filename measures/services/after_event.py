"""Art. 18: after the emergency the groups help restore normal order and coordinate positive coverage.

Each is a measure of the incident's checklist (``incidents.ChecklistItem``: owner, due time, evidence when
done), recorded after the termination until the case closes, and chased by the same overdue clock as the
plan's other measures — on its own timer kind, ``after_event_overdue``, which the state table
(``escalation.states``) keeps from termination to close. The states it may be recorded in are read from that
table, so the rule lives in one place. Completing it is the checklist's own completion (owner, their lead
or the Leadership Group), which stops the clock."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import IncidentNotFound
from escalation import services as escalation_services
from escalation.models import TimerKind
from incidents import presentation
from incidents import services as incident_services
from incidents.models import ChecklistItem, OwnerRole

from ..forms import AFTER_EVENT_MEASURES, AfterEventMeasureForm
from ._common import AFTER_EVENT_STATES, measure_action, record, valid

CLOCK = TimerKind.AFTER_EVENT_OVERDUE
ARTICLE = "第十八条"


def after_event_record(*, incident_id: int, user: Any, data: dict[str, Any]) -> ChecklistItem:
    """Art. 18: record one after-event measure with its owner and due time; its overdue clock starts."""
    with measure_action(
        incident_id,
        user,
        states=AFTER_EVENT_STATES,
        directors_only=_("只有牵头工作小组组长或领导小组可以登记事后工作。"),
    ) as act:
        incident = act.incident
        cleaned = valid(AfterEventMeasureForm(data))
        code = cleaned["measure"]
        title = AFTER_EVENT_MEASURES[code]  # the Chinese source: the record, translated when shown
        if cleaned["detail"]:
            title = f"{title}：{cleaned['detail']}"
        last = ChecklistItem.objects.filter(incident=incident).aggregate(last=Max("position"))["last"]
        item = ChecklistItem.objects.create(
            incident=incident,
            position=(last or 0) + 1,
            code=code,
            title=title,
            article=ARTICLE,
            owner_role=OwnerRole.LEAD_GROUP_LEAD,  # who answers for it when the owner is gone
            owner=cleaned["owner"],
            due_at=cleaned["due_at"],
        )
        escalation_services.measure_clocks_start(incident=incident, items=[item], kind=CLOCK)
        facts = {
            "title": title,
            "owner_name": str(item.owner),
            "due": timezone.localtime(item.due_at).strftime("%Y-%m-%d %H:%M"),
        }
        with translation.override(settings.LANGUAGE_CODE):  # the record's text, in the plan's language
            comment = presentation.after_event_recorded_text(facts)
        record(
            act,
            "after_event_recorded",
            comment,
            item=item.pk,
            code=code,
            owner=cleaned["owner"],
            due_at=item.due_at,
            **facts,
        )
        return item


def after_event_complete(*, item_id: int, user: Any, data: dict[str, Any]) -> ChecklistItem:
    """Done, with its evidence: the checklist's own completion (who may, the timeline entry, the clock)."""
    if not ChecklistItem.objects.filter(pk=item_id, code__in=AFTER_EVENT_MEASURES).exists():
        raise IncidentNotFound(_("措施不存在。"))
    return incident_services.checklist_item_complete(item_id=item_id, user=user, data=data)
