"""Reads of the plans' measures, a fixed number of queries per page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_noop, ngettext

from incidents.models import ChecklistItem, Incident

from .forms import AFTER_EVENT_MEASURES
from .models import (
    ClarificationStatement,
    ComplaintCase,
    DisputePlan,
    FrontLineMove,
    LegalReferral,
    MediaReport,
    Remedy,
    ReputationAssessment,
    RollCall,
    RollCallEntry,
    RotationRoster,
)
from .services._common import MISSING_UPDATE_STATES, ROLL_CALL_STATES


def latest_roster(*, incident: Incident) -> RotationRoster | None:
    roster = RotationRoster.objects.filter(incident=incident).select_related("created_by").first()
    if roster is not None:
        # carried on the object for the template, read in one query
        roster.ordered_assignments = list(  # type: ignore[attr-defined]
            roster.assignments.select_related("person").order_by("group", "line", "person__name")
        )
    return roster


def front_line_moves(*, incident: Incident) -> list[FrontLineMove]:
    """Art. 14 (1): who was moved from the second line to the front for this incident (one query)."""
    return list(
        FrontLineMove.objects.filter(incident=incident)
        .select_related("person", "moved_by__person")
        .order_by("-moved_at", "person__name")
    )


def front_line_people(*, incident: Incident) -> frozenset[int]:
    """The people serving on the front line for this incident now (moved, not yet ended)."""
    return frozenset(
        FrontLineMove.objects.filter(incident=incident, ended_at__isnull=True).values_list(
            "person_id", flat=True
        )
    )


def after_event_measures(*, incident: Incident) -> list[ChecklistItem]:
    """Art. 18's after-event measures of the incident, as checklist items (one query)."""
    return list(
        ChecklistItem.objects.filter(incident=incident, code__in=AFTER_EVENT_MEASURES)
        .select_related("owner", "done_by__person", "withdrawn_by__person")
        .order_by("due_at", "pk")
    )


def roll_call_current(*, incident: Incident) -> RollCall | None:
    """The open roll call, or the last one held."""
    roll_call = RollCall.objects.filter(incident=incident).order_by("-started_at").first()
    if roll_call is None:
        return None
    # One fixed order for the whole roll call (by name): the list is swapped after every mark and on each
    # refresh, and a row that moved because someone else marked a person would put another name under the
    # marker's finger. Who still needs finding stands out by its colour and the tally, not by moving.
    roll_call.ordered_entries = list(  # type: ignore[attr-defined]
        roll_call.entries.select_related("person", "marked_by").order_by("person__name", "pk")
    )
    return roll_call


def roll_call_counts(*, roll_call: RollCall) -> dict[str, int]:
    entries = roll_call.ordered_entries  # type: ignore[attr-defined]
    counts = {"expected": len(entries), "safe": 0, "absent": 0, "missing": 0, "unknown": 0}
    for entry in entries:
        counts[entry.status] += 1
    counts["accounted"] = counts["safe"] + counts["absent"]
    return counts


def roll_call_alerts(incident_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Issue 12: the people the LATEST roll call of each incident has not accounted for, in ONE query for
    all ids (the board asks for every card at once). 失联 (missing) is shown red whether the roll call is
    open or was closed with them missing (they stay open for updates until found); 未确认 (not yet
    marked) only while the roll call is open — a closed one has none (``roll_call_close`` refuses). Each only
    while the incident is in a state where it can still be cleared (a missing person can be marked found;
    an open roll call can be marked): a dismissed or closed incident carries no badge it cannot lose."""
    ids = list(incident_ids)
    if not ids:
        return {}
    latest = (
        RollCall.objects.filter(incident_id__in=ids)
        .order_by("incident_id", "-started_at", "-id")
        .distinct("incident_id")
        .values("pk")
    )
    rows = (
        RollCallEntry.objects.filter(
            roll_call_id__in=latest,
            status__in=[RollCallEntry.Status.MISSING, RollCallEntry.Status.UNKNOWN],
        )
        .values_list("roll_call__incident_id", "roll_call__incident__state", "roll_call__closed_at", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: dict[int, list[dict[str, Any]]] = {}
    for incident_id, state, closed_at, status, n in rows:
        url = reverse("measures:roll_call", args=[incident_id])
        if status == RollCallEntry.Status.MISSING and state in MISSING_UPDATE_STATES:
            alert = {
                "kind": "roll_call_missing",
                "label": ngettext("失联 %(n)d 人", "失联 %(n)d 人", n) % {"n": n},
                "title": ngettext(
                    "撤离点名：%(n)d 人失联，点击查看点名", "撤离点名：%(n)d 人失联，点击查看点名", n
                )
                % {"n": n},
                "sentence": ngettext("撤离点名：%(n)d 人失联", "撤离点名：%(n)d 人失联", n) % {"n": n},
                "count": n,
                "url": url,
                "level": "danger",
            }
        elif status == RollCallEntry.Status.UNKNOWN and closed_at is None and state in ROLL_CALL_STATES:
            alert = {
                "kind": "roll_call_unknown",
                "label": ngettext("未确认 %(n)d 人", "未确认 %(n)d 人", n) % {"n": n},
                "title": ngettext(
                    "撤离点名进行中：%(n)d 人尚未确认，点击查看点名",
                    "撤离点名进行中：%(n)d 人尚未确认，点击查看点名",
                    n,
                )
                % {"n": n},
                "sentence": ngettext(
                    "撤离点名进行中：%(n)d 人尚未确认", "撤离点名进行中：%(n)d 人尚未确认", n
                )
                % {"n": n},
                "count": n,
                "url": url,
                "level": "warning",
            }
        else:
            continue
        result.setdefault(incident_id, []).append(alert)
    return result  # red first: ``contributions.alerts_for_incidents`` orders them


def complaint_records(*, incident: Incident) -> dict[str, Any]:
    return {
        "media": list(MediaReport.objects.filter(incident=incident).select_related("recorded_by")),
        "assessments": list(
            ReputationAssessment.objects.filter(incident=incident).select_related("recorded_by")
        ),
        "dispute_plans": list(
            DisputePlan.objects.filter(incident=incident).select_related(
                "recorded_by__person", "decided_by__person", "owner"
            )
        ),
        "referrals": list(LegalReferral.objects.filter(incident=incident).select_related("recorded_by")),
        "cases": list(
            ComplaintCase.objects.filter(incident=incident).select_related("recorded_by", "handler")
        ),
        "remedies": list(Remedy.objects.filter(incident=incident).select_related("recorded_by")),
        "statements": list(
            ClarificationStatement.objects.filter(incident=incident).select_related(
                "drafted_by__person", "vetted_by__person", "published_by__person"
            )
        ),
    }


def pending_decisions(*, user: Any) -> list[dict[str, Any]]:
    """Measures awaiting a Leadership decision (dispute plans, complaints' extension requests), oldest first;
    ``own`` marks what ``user`` asked for themselves (four-eyes: someone else decides). The caller decides
    whether ``user`` is a decider."""
    items: list[dict[str, Any]] = []
    for plan in DisputePlan.objects.filter(status=DisputePlan.Status.PROPOSED).select_related(
        "incident", "recorded_by"
    ):
        items.append(
            {"kind": "dispute_plan", "at": plan.recorded_at, "incident": plan.incident, "record": plan}
        )
    asking = ComplaintCase.objects.filter(extension_requested_at__isnull=False, is_open=True)
    for case in asking.select_related("incident", "extension_requested_by"):
        items.append(
            {
                "kind": "extension",
                "at": case.extension_requested_at,
                "incident": case.incident,
                "record": case,
            }
        )
    for item in items:
        record = item["record"]
        asked_by = (
            record.recorded_by_id if item["kind"] == "dispute_plan" else record.extension_requested_by_id
        )
        item["own"] = asked_by is not None and asked_by == getattr(user, "pk", None)
    return sorted(items, key=lambda item: item["at"])


ROLL_CALL_ITEM = "evacuation_roll_call"  # the checklist's "火灾、盗抢时按安全通道疏散并点名" (Art. 14 (3))


def roll_call_keeps_open(incident: Incident, items: list[Any]) -> dict[str, dict[str, Any]]:
    """A kind correction does not withdraw the roll-call item while the incident's latest roll call is
    still open or has anyone 失联: people are still being accounted for (``add_keep_open_source``)."""
    if not any(item.code == ROLL_CALL_ITEM for item in items):
        return {}
    roll_call = RollCall.objects.filter(incident=incident).order_by("-started_at", "-id").first()
    if roll_call is None:
        return {}
    counts = dict(
        roll_call.entries.filter(status__in=[RollCallEntry.Status.MISSING, RollCallEntry.Status.UNKNOWN])
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    missing = counts.get(RollCallEntry.Status.MISSING, 0)
    if not roll_call.is_open and not missing:
        return {}
    why = gettext_noop("撤离点名仍在进行") if roll_call.is_open else gettext_noop("撤离点名仍有人失联")
    return {
        ROLL_CALL_ITEM: {
            "why": why,
            "roll_call": roll_call.pk,
            "missing": missing,
            "unknown": counts.get(RollCallEntry.Status.UNKNOWN, 0) if roll_call.is_open else 0,
        }
    }
