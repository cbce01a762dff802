"""Art. 14-bis (3): the clarification statement — drafted by the complaint group (its lead, or the
Leadership Group), vetted by the head-office general office (four-eyes: never the author), published with
the channel and time. Drafting hands the statement to the general office (a notification that waits for an
acknowledgement); each step is one timeline entry."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, IncidentNotFound
from escalation import services as escalation_services
from incidents import policies
from incidents.models import Incident
from teams import selectors as team_selectors

from .. import clocks
from ..forms import StatementDraftForm, StatementPublishForm, StatementVetForm
from ..models import ClarificationStatement
from ._common import COMPLAINT_STATES, measure_action, record, valid

VETTER = "hq_general_office"


def may_draft(incident: Incident, user: Any) -> bool:
    actor = team_selectors.actor_for(user)
    return not actor.is_read_only and (actor.leads("complaint") or actor.in_leadership_group)


def may_vet(incident: Incident, user: Any) -> bool:
    actor = team_selectors.actor_for(user)
    return not actor.is_read_only and VETTER in actor.parties


def _statement_incident(statement_id: int) -> int:
    row = ClarificationStatement.objects.filter(pk=statement_id).values("incident_id").first()
    if row is None:
        raise IncidentNotFound(_("声明不存在。"))
    return row["incident_id"]


def statement_draft(*, incident_id: int, user: Any, data: dict[str, Any]) -> ClarificationStatement:
    with measure_action(incident_id, user, check=may_draft, states=COMPLAINT_STATES) as act:
        incident = act.incident
        cleaned = valid(StatementDraftForm(data))
        now = timezone.now()
        statement = ClarificationStatement.objects.create(
            incident=incident,
            text=cleaned["text"],
            drafted_by=user,
            drafted_at=now,
            step_due_at=now + clocks.VET_WITHIN,
        )
        clocks.statement_follow(incident=incident, statement=statement)
        record(act, "statement_drafted", statement.text[:500], record=statement.pk)
        escalation_services.notify(
            incident=incident,
            audience=[f"party:{VETTER}"],
            event="statement_to_vet",
            context={"text": statement.text},
            needs_ack=True,
        )
        return statement


def statement_vet(*, statement_id: int, user: Any, data: dict[str, Any]) -> ClarificationStatement:
    """The head-office general office approves or returns it (the waiting step's owner, alone: 403 naming
    it otherwise); never the author (four-eyes)."""
    incident_id = _statement_incident(statement_id)
    with measure_action(incident_id, user, states=COMPLAINT_STATES) as act:
        incident = act.incident
        statement = ClarificationStatement.objects.select_for_update().get(pk=statement_id)
        if statement.status != ClarificationStatement.Status.DRAFT:
            raise Conflict(_("该声明已审核（可能已有他人处理）。"), current_state=incident.state)
        refusal = policies.measure_refusal(incident, statement, user)
        if refusal:
            raise Forbidden(refusal)
        if statement.drafted_by_id == getattr(user, "pk", None):
            raise Forbidden(_("四眼原则：声明起草人不能审核自己的声明。"))
        cleaned = valid(StatementVetForm(data))
        approved = cleaned["decision"] == "approve"
        statement.status = (
            ClarificationStatement.Status.VETTED if approved else ClarificationStatement.Status.RETURNED
        )
        statement.vetted_by = user
        statement.vetted_at = timezone.now()
        statement.vet_comment = cleaned["comment"]
        statement.step_due_at = statement.vetted_at + clocks.PUBLISH_WITHIN if approved else None
        statement.save(update_fields=["status", "vetted_by", "vetted_at", "vet_comment", "step_due_at"])
        clocks.statement_follow(incident=incident, statement=statement)
        record(
            act,
            "statement_vetted" if approved else "statement_returned",
            cleaned["comment"],
            record=statement.pk,
        )
        escalation_services.notify(
            incident=incident,
            audience=[f"user:{statement.drafted_by_id}"],
            event="statement_vetted" if approved else "statement_returned",
            context={"comment": cleaned["comment"]},
        )
        return statement


def statement_publish(*, statement_id: int, user: Any, data: dict[str, Any]) -> ClarificationStatement:
    """Only a vetted statement is published — by the waiting step's owner (its author), the lead group's
    lead or the Leadership Group (403 naming the owner otherwise)."""
    incident_id = _statement_incident(statement_id)
    with measure_action(incident_id, user, states=COMPLAINT_STATES) as act:
        statement = (
            ClarificationStatement.objects.select_for_update(of=("self",))
            .select_related("drafted_by__person")
            .get(pk=statement_id)
        )
        if statement.status != ClarificationStatement.Status.VETTED:
            raise Conflict(
                _("只有经总行办公室审核通过的声明才能发布（当前：%(status)s）。")
                % {"status": statement.get_status_display()},
                current_state=act.incident.state,
            )
        refusal = policies.measure_refusal(act.incident, statement, user)
        if refusal:
            raise Forbidden(refusal)
        cleaned = valid(StatementPublishForm(data))
        statement.status = ClarificationStatement.Status.PUBLISHED
        statement.published_by = user
        statement.published_at = cleaned["published_at"] or timezone.now()
        statement.channel = cleaned["channel"]
        statement.step_due_at = None
        statement.save(update_fields=["status", "published_by", "published_at", "channel", "step_due_at"])
        clocks.statement_follow(incident=act.incident, statement=statement)
        record(
            act,
            "statement_published",
            _("澄清声明已通过“%(channel)s”发布。") % {"channel": statement.channel},
            record=statement.pk,
            channel=statement.channel,
            published_at=statement.published_at.isoformat(),
        )
        return statement
