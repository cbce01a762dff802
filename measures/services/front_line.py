"""Art. 14 (1): "move second-line staff to the front line" — named people, for this incident's duration.

A move is recorded (who, when, by whom) while the plan runs; it shows on this incident's A/B roster as the
person's line and counts as front line when the roster is (re)generated. When the incident terminates (or
is closed or dismissed without terminating) every open move ends — through the ``IncidentTransitioned``
event, handled here and subscribed in ``measures.apps``. A move grants no rights: it touches no membership."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.wording import join_list
from incidents import events, presentation
from incidents import services as incident_services
from incidents.states import plan_running

from ..forms import SecondLineForm
from ..models import FrontLineMove
from ._common import measure_action, record, valid


def second_line_move(*, incident_id: int, user: Any, data: dict[str, Any]) -> list[FrontLineMove]:
    """Move the chosen second-line people to the front line for this incident."""
    with measure_action(
        incident_id,
        user,
        directors_only=_("只有牵头工作小组组长或领导小组可以调二线人员进入一线。"),
    ) as act:
        incident = act.incident
        cleaned = valid(SecondLineForm(data))
        people = list(cleaned["people"])
        already = list(
            FrontLineMove.objects.filter(
                incident=incident, person__in=people, ended_at__isnull=True
            ).select_related("person")
        )
        if already:
            raise Conflict(
                _("已在一线：%(names)s。") % {"names": join_list(move.person.name for move in already)},
                current_state=incident.state,
            )
        now = timezone.now()
        moves = FrontLineMove.objects.bulk_create(
            FrontLineMove(incident=incident, person=person, moved_at=now, moved_by=user, note=cleaned["note"])
            for person in people
        )
        facts = {"names": [person.name for person in people], "note": cleaned["note"]}
        with translation.override(settings.LANGUAGE_CODE):  # the record's text, in the plan's language
            comment = presentation.second_line_moved_text(facts)
        record(act, "second_line_moved", comment, people=people, **facts)
        incident_services.checklist_item_done_by_measure(
            act, "second_line_to_front", evidence="、".join(facts["names"])
        )
        return moves


def second_line_end(event: events.IncidentTransitioned) -> None:
    """The incident terminated (or closed): the moved people go back to their own line, on the timeline."""
    # the incident's duration ends when the plan stops running: terminated, closed or dismissed
    if plan_running(event.to_state) or event.from_state == event.to_state:
        return
    open_moves = FrontLineMove.objects.filter(incident_id=event.incident_id, ended_at__isnull=True)
    names = list(open_moves.order_by("person__name").values_list("person__name", flat=True))
    if not names:
        return
    now = timezone.now()
    open_moves.update(ended_at=now, ended_reason=f"{event.name} → {event.to_state}")
    # a fact the system records, in the transition's transaction (the incident row is already held)
    with incident_services.incident_action(event.incident_id, user=event.actor, may=None) as act:
        facts = {"state": event.to_state, "names": names}
        with translation.override(settings.LANGUAGE_CODE):  # the record's text, in the plan's language
            comment = presentation.second_line_returned_text(facts)
        record(act, "second_line_returned", comment, count=len(names), **facts)
