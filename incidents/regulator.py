"""Regulator deadlines as evidence (Art. 10; DESIGN §5): each deadline ends as met, met late or missed —
recorded on the incident's timeline, never silently, never cancelled by ``terminate`` or ``close``.

The writes act through ``incident_action`` (lock the incident row → refuse → validate → write → timeline);
an ended deadline publishes ``RegulatorDeadlineEnded`` and escalation stops its reminder.
``escalation.services.regulator_clock_start`` creates the rows when the Leadership Group decides to report;
the clock that reminds is an escalation timer of the same kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core import errors as refusals
from core.errors import Conflict, Forbidden, IncidentNotFound, Invalid, SecondFactorRequired
from core.wording import join_list
from security import second_factor
from teams import selectors as team_selectors

from . import events, policies
from .forms import RegulatorSubmissionForm, RegulatorWaiverForm
from .models import Incident, RegulatorDeadline
from .services.acting import IncidentAction, incident_action
from .services.records import _attach

Outcome = RegulatorDeadline.Outcome


def deadlines_of(*, incident: Incident) -> QuerySet[RegulatorDeadline]:
    return (
        RegulatorDeadline.objects.filter(incident=incident)
        .select_related("document")
        .order_by("due_at", "id")
    )


def open_deadlines(*, incident: Incident) -> QuerySet[RegulatorDeadline]:
    return deadlines_of(incident=incident).filter(outcome=Outcome.OPEN)


def deadlines_create(*, incident: Incident, due: list[tuple[str, datetime]]) -> list[RegulatorDeadline]:
    """The deadlines of a decision to report, for the kinds not already on the incident (a second decision
    adds what it adds and never rewrites a deadline that exists)."""
    existing = set(RegulatorDeadline.objects.filter(incident=incident).values_list("kind", flat=True))
    return [
        RegulatorDeadline.objects.create(incident=incident, kind=kind, due_at=at)
        for kind, at in due
        if kind not in existing
    ]


def require_none_open(incident: Incident) -> None:
    """``close`` is refused while a regulator deadline is open (met, met late or waived ends it)."""
    still_open = list(open_deadlines(incident=incident))
    if still_open:
        raise Conflict(
            _("尚有监管报告时限未了结（%(kinds)s）：请登记报送情况，或经领导小组两人同意豁免后再结案。")
            % {"kinds": join_list(str(d.get_kind_display()) for d in still_open)},
            current_state=incident.state,
        )


def _require_second_factor(user: Any) -> None:
    """A waiver is a Leadership decision: the same second factor as the others (security, "waive")."""
    if refusal := second_factor.refusal(user=user, action="waive"):
        raise SecondFactorRequired(refusal)


@contextmanager
def _deadline_action(
    incident_id: int, deadline_id: int, user: Any, may: Any
) -> Iterator[tuple[IncidentAction, RegulatorDeadline]]:
    with incident_action(incident_id, user=user, may=may) as act:
        deadlines = RegulatorDeadline.objects.select_for_update()
        deadline = deadlines.filter(pk=deadline_id, incident=act.incident).first()
        if deadline is None:
            raise IncidentNotFound(_("监管报告时限不存在。"))
        if not deadline.is_open:
            raise Conflict(
                _("该时限已了结：%(outcome)s。") % {"outcome": deadline.get_outcome_display()},
                current_state=act.incident.state,
            )
        yield act, deadline


def _ended(act: IncidentAction, deadline: RegulatorDeadline) -> None:
    events.publish(
        events.RegulatorDeadlineEnded(
            incident=act.incident, actor=act.user, kind=deadline.kind, outcome=deadline.outcome
        )
    )


def submission_record(
    *,
    incident_id: int,
    deadline_id: int,
    user: Any,
    data: dict[str, Any],
    document: UploadedFile | None = None,
) -> RegulatorDeadline:
    """Record what was sent to the regulator for one deadline: met when sent by the due time, else met late
    with the delay. The document is kept as an attachment with its SHA-256."""
    with _deadline_action(incident_id, deadline_id, user, policies.may_record_regulator_submission) as (
        act,
        deadline,
    ):
        form = RegulatorSubmissionForm(data, has_document=document is not None)
        if not form.is_valid():
            raise Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())
        cleaned = form.cleaned_data
        now = timezone.now()
        if document is not None:
            deadline.document = _attach(act, upload=document, update=None)
        deadline.submitted_at = cleaned["submitted_at"]
        deadline.channel = cleaned["channel"]
        deadline.office = cleaned["office"]
        deadline.reference = cleaned["reference"]
        deadline.submitted_by_name = team_selectors.actor_for(user).display_name
        deadline.recorded_by = user
        deadline.recorded_at = now
        deadline.outcome = Outcome.MET if deadline.submitted_at <= deadline.due_at else Outcome.MET_LATE
        deadline.save()
        delay = deadline.delay
        act.record(
            "regulator_submission",
            comment=cleaned["comment"],
            payload={
                "deadline": deadline.pk,
                "kind": deadline.kind,
                "outcome": deadline.outcome,
                "due_at": deadline.due_at,
                "submitted_at": deadline.submitted_at,
                "delay_minutes": int(delay.total_seconds() // 60) if delay else 0,
                "channel": deadline.channel,
                "office": deadline.office,
                "reference": deadline.reference,
                "document": deadline.document.sha256 if deadline.document else "",
            },
            at=now,
        )
        _ended(act, deadline)
        return deadline


def waiver_request(
    *, incident_id: int, deadline_id: int, user: Any, data: dict[str, Any]
) -> RegulatorDeadline:
    """A decider asks to end an unmet deadline as missed, with a reason; another decider must approve."""
    _require_second_factor(user)
    with _deadline_action(incident_id, deadline_id, user, policies.may_waive_regulator_deadline) as (
        act,
        deadline,
    ):
        form = RegulatorWaiverForm(data)
        if not form.is_valid():
            raise Invalid(refusals.invalid_fields_message(), detail=form.errors.get_json_data())
        now = timezone.now()
        deadline.waiver_reason = form.cleaned_data["reason"]
        deadline.waiver_requested_by = user
        deadline.waiver_requested_by_name = team_selectors.actor_for(user).display_name
        deadline.waiver_requested_at = now
        deadline.save()
        act.record(
            "regulator_waiver_requested",
            comment=deadline.waiver_reason,
            payload={"deadline": deadline.pk, "kind": deadline.kind, "due_at": deadline.due_at},
            at=now,
        )
        return deadline


def waiver_approve(
    *, incident_id: int, deadline_id: int, user: Any, data: dict[str, Any]
) -> RegulatorDeadline:
    """Four-eyes: a second decider, never the one who asked, ends the deadline as missed."""
    _require_second_factor(user)
    with _deadline_action(incident_id, deadline_id, user, policies.may_waive_regulator_deadline) as (
        act,
        deadline,
    ):
        if deadline.waiver_requested_at is None:
            raise Conflict(_("尚无豁免申请。"), current_state=act.incident.state)
        if policies.is_same_user(user, deadline.waiver_requested_by_id):
            raise Forbidden(_("四眼原则：豁免申请人不能批准自己的申请。"))
        now = timezone.now()
        deadline.waiver_approved_by = user
        deadline.waiver_approved_by_name = team_selectors.actor_for(user).display_name
        deadline.waiver_approved_at = now
        deadline.outcome = Outcome.MISSED
        deadline.save()
        act.record(
            "regulator_waiver_approved",
            comment=str(data.get("comment") or ""),
            payload={
                "deadline": deadline.pk,
                "kind": deadline.kind,
                "due_at": deadline.due_at,
                "reason": deadline.waiver_reason,
                "requested_by": deadline.waiver_requested_by_name,
            },
            at=now,
        )
        _ended(act, deadline)
        return deadline
