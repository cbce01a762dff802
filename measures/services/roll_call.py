"""Art. 14 (3): evacuation by the safety passages and a roll call so that everyone is accounted for.

The on-site supervisor may start it from declaration on (a fire does not wait for the activation). Closing
it with anyone 失联 is a confirmed decision with a reason that tells the Leadership Group and building
security; a missing person stays open for updates until found (issue 12).

The desk calls people rather than waits to be looked at: the moment a person is marked 失联 the Leadership
Group, building security (its head) and the incident's on-scene commander are told — who, their phone, the
assembly point, a link to the roll call — once while the person stays missing (marking them 失联 again tells
nobody twice); when they are marked safe or absent, the same people hear "已找到"."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, IncidentNotFound, Invalid
from escalation import calls as escalation_calls
from incidents import services as incident_services

from ..forms import RollCallCloseForm, RollCallMarkForm, RollCallStartForm
from ..models import RollCall, RollCallEntry
from ..staff import roll_call_people
from ._common import MISSING_UPDATE_STATES, ROLL_CALL_STATES, in_plan_language, measure_action, record, valid


def roll_call_start(*, incident_id: int, user: Any, data: dict[str, Any]) -> RollCall:
    """Art. 14 (3): start the evacuation roll call over all staff of the centre."""
    with measure_action(incident_id, user, states=ROLL_CALL_STATES) as act:
        incident = act.incident
        cleaned = valid(RollCallStartForm(data))
        if RollCall.objects.filter(incident=incident, closed_at__isnull=True).exists():
            raise Conflict(_("已有进行中的点名。"), current_state=incident.state)
        roll_call = RollCall.objects.create(
            incident=incident,
            assembly_point=cleaned["assembly_point"],
            started_by=user,
            started_at=timezone.now(),
        )
        people = roll_call_people()
        RollCallEntry.objects.bulk_create(RollCallEntry(roll_call=roll_call, person=p) for p in people)
        with in_plan_language():
            record(
                act,
                "roll_call_started",
                _("撤离点名开始，集合地点：%(point)s，应到 %(n)d 人。")
                % {"point": roll_call.assembly_point, "n": len(people)},
                roll_call=roll_call.pk,
                expected=len(people),
                point=roll_call.assembly_point,
            )
        return roll_call


def roll_call_mark(*, entry_id: int, user: Any, data: dict[str, Any]) -> RollCallEntry:
    """Mark one person. After the roll call closed only a person still 失联 may be updated (found)."""
    row = RollCallEntry.objects.filter(pk=entry_id).values("roll_call__incident_id").first()
    if row is None:
        raise IncidentNotFound(_("点名记录不存在。"))
    with measure_action(row["roll_call__incident_id"], user, states=MISSING_UPDATE_STATES) as act:
        incident = act.incident
        entry = (
            RollCallEntry.objects.select_for_update().select_related("roll_call", "person").get(pk=entry_id)
        )
        was_missing = entry.status == RollCallEntry.Status.MISSING
        if not entry.roll_call.is_open and not was_missing:
            raise Conflict(_("本次点名已结束，只有失联人员的状态还能更新。"), current_state=incident.state)
        if entry.roll_call.is_open and incident.state not in ROLL_CALL_STATES:
            raise Conflict(_("事件已终止，点名只能更新失联人员。"), current_state=incident.state)
        cleaned = valid(RollCallMarkForm(data))
        entry.status = cleaned["status"]
        entry.marked_by = user
        entry.marked_at = timezone.now()
        entry.save(update_fields=["status", "marked_by", "marked_at"])
        found_after_close = not entry.roll_call.is_open and entry.status != RollCallEntry.Status.MISSING
        with in_plan_language():
            # The plan's word for the status: the record's text, and the msgid each recipient's message
            # translates (not the marker's language).
            status_label = str(entry.get_status_display())
            record(
                act,
                "roll_call_missing_found" if found_after_close else "roll_call_marked",
                f"{entry.person.name}：{status_label}",
                roll_call=entry.roll_call_id,
                person={"id": entry.person_id, "name": entry.person.name},
                status=entry.status,
                status_label=status_label,
            )
        now_missing = entry.status == RollCallEntry.Status.MISSING
        if now_missing and not was_missing:
            # Only an open roll call gets here: a closed one refuses anyone not already 失联 (above).
            escalation_calls.call_person_missing(
                incident=incident,
                person=entry.person,
                assembly_point=entry.roll_call.assembly_point,
                user=user,
            )
        elif was_missing and not now_missing:
            escalation_calls.call_person_found(
                incident=incident,
                person=entry.person,
                status=status_label,
                assembly_point=entry.roll_call.assembly_point,
                user=user,
            )
        return entry


def roll_call_close(*, roll_call_id: int, user: Any, data: dict[str, Any] | None = None) -> RollCall:
    """End the roll call once nobody is left unconfirmed; with anyone 失联 only on confirmation with a reason,
    and the Leadership Group and building security are told who is missing."""
    row = RollCall.objects.filter(pk=roll_call_id).values("incident_id").first()
    if row is None:
        raise IncidentNotFound(_("点名不存在。"))
    with measure_action(row["incident_id"], user, states=ROLL_CALL_STATES) as act:
        incident = act.incident
        roll_call = RollCall.objects.select_for_update().get(pk=roll_call_id)
        if not roll_call.is_open:
            raise Conflict(_("本次点名已结束。"), current_state=incident.state)
        entries = list(roll_call.entries.select_related("person"))
        statuses = [entry.status for entry in entries]
        unknown = statuses.count(RollCallEntry.Status.UNKNOWN)
        if unknown:
            raise Invalid(
                _("还有 %(n)d 人未确认，不能结束点名。") % {"n": unknown},
                detail={"__all__": [{"message": _("还有人未确认。"), "code": "unknown"}]},
            )
        missing = [entry.person for entry in entries if entry.status == RollCallEntry.Status.MISSING]
        cleaned = valid(RollCallCloseForm(data or {}, missing=len(missing)))
        roll_call.closed_at = timezone.now()
        roll_call.save(update_fields=["closed_at"])
        counts = {status: statuses.count(status) for status in RollCallEntry.Status.values if status}
        with in_plan_language():
            summary = _("撤离点名结束：已到 %(safe)d，不在岗 %(absent)d，失联 %(missing)d。") % {
                "safe": counts[RollCallEntry.Status.SAFE],
                "absent": counts[RollCallEntry.Status.ABSENT],
                "missing": counts[RollCallEntry.Status.MISSING],
            }
            names = "、".join(person.name for person in missing)
            if missing:
                summary += _("失联：%(names)s。理由：%(reason)s") % {
                    "names": names,
                    "reason": cleaned["reason"],
                }
            record(
                act,
                "roll_call_closed",
                summary,
                roll_call=roll_call.pk,
                counts=counts,
                missing=[{"id": person.pk, "name": person.name, "phone": person.phone} for person in missing],
                reason=cleaned.get("reason", ""),
            )
            incident_services.checklist_item_done_by_measure(
                act=act,
                code="evacuation_roll_call",
                evidence=_("撤离点名已结束：应到 %(due)d，已清点 %(counted)d，失联 %(missing)d")
                % {
                    "due": len(entries),
                    "counted": len(entries) - counts[RollCallEntry.Status.MISSING],
                    "missing": counts[RollCallEntry.Status.MISSING],
                },
            )
        if missing:
            escalation_calls.call_roll_call_closed_missing(
                incident=incident,
                names=names,
                count=len(missing),
                reason=cleaned["reason"],
                assembly_point=roll_call.assembly_point,
            )
        return roll_call
