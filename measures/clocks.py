"""The measures' clocks, all on the one overdue clock of every measure (issue 13,
``escalation.services.measure_clock_start``: ``measure_overdue`` timers from the admin-edited policy — the
owner, then the lead group's lead, then the leader and deputy, each once; completion stops it):

- a complaint (Art. 14-bis 5 and 7): owner = its handler, due = registration + 15 days (30 if complex) +
  approved extensions; besides, one ``complaint_case_reminder`` to the handler ``REMINDER_BEFORE`` the due
  time. Chased until the incident closes.
- a dispute plan (14-bis 2): owner = the plan's owner (the lead group's lead unless named), due = the plan's
  due time; done when carried out with evidence, stopped when rejected.
- a clarification statement (14-bis 3): the waiting step — a draft waits for the head-office general office
  to vet it (``VET_WITHIN``), a vetted statement for its author to publish it (``PUBLISH_WITHIN``).

Each kind is registered in ``apps.py`` (``register``): how the clock finds the record while it still waits,
and its timer kind, ``complaint_case_due`` (``COMPLAINT_CLOCK``), which the state table
(``escalation.states``) keeps from activation until the close."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from escalation import services as escalation_services
from escalation.models import Timer, TimerKind
from incidents.models import Incident
from security.masking import NAME, mask_value

from .models import ClarificationStatement, ComplaintCase, DisputePlan

COMPLAINT_CASE = "complaint_case"
DISPUTE_PLAN = "dispute_plan"
STATEMENT = "statement"

CASE_REMINDER = TimerKind.COMPLAINT_CASE_REMINDER
# the overdue clock of the complaint-side measures (complaint, dispute plan, statement)
COMPLAINT_CLOCK = TimerKind.COMPLAINT_CASE_DUE
# the handler is reminded this long before the due time (decisions.md, issue 13)
REMINDER_BEFORE = timedelta(days=3)
# where the issue is silent (decisions.md, issue 13): a dispute plan is carried out within 3 days unless
# its proposer says otherwise; the general office vets a statement within 2 hours, its author publishes a
# vetted statement within 2 hours
DISPUTE_PLAN_WITHIN = timedelta(days=3)
VET_WITHIN = timedelta(hours=2)
PUBLISH_WITHIN = timedelta(hours=2)


def register() -> None:
    for code, find in (
        (COMPLAINT_CASE, lambda pk: ComplaintCase.objects.filter(pk=pk, is_open=True).first()),
        (
            DISPUTE_PLAN,
            lambda pk: (
                DisputePlan.objects.select_related("owner")
                .filter(pk=pk, done_at__isnull=True)
                .exclude(status=DisputePlan.Status.REJECTED)
                .first()
            ),
        ),
        (
            STATEMENT,
            lambda pk: ClarificationStatement.objects.filter(
                pk=pk, status__in=(ClarificationStatement.Status.DRAFT, ClarificationStatement.Status.VETTED)
            ).first(),
        ),
    ):
        escalation_services.measure_kind_register(
            escalation_services.MeasureKind(code=code, find=find, timer_kind=COMPLAINT_CLOCK)
        )


def _page(incident: Incident, anchor: str) -> str:
    return reverse("measures:complaint", args=[incident.pk]) + f"#{anchor}"


# --- complaints one by one ---------------------------------------------------------------------------


# The clocks' titles are catalogue msgids, stored untranslated and translated per recipient when the message
# is rendered (``escalation.messages``); the complainant's masked name is kept beside the title, apart.
CASE_TITLE = gettext_noop("单笔投诉办结时限")
DISPUTE_PLAN_TITLE = gettext_noop("纠纷解决方案")
STATEMENT_TITLES: dict[str, str] = {
    ClarificationStatement.Status.DRAFT: gettext_noop("澄清声明待总行办公室审核"),
    ClarificationStatement.Status.VETTED: gettext_noop("澄清声明待发布"),
}


def _case_name(case: ComplaintCase) -> str:
    return mask_value(NAME, case.customer)


def complaint_case_follow(*, incident: Incident, case: ComplaintCase) -> None:
    """(Re)write one complaint's reminder and overdue clock (registration, approved extension)."""
    escalation_services.record_clock_start(
        incident=incident,
        kind=CASE_REMINDER,
        record_id=case.pk,
        due_at=case.due_at - REMINDER_BEFORE,
        payload={
            "days": case.limit_days,
            "label": f"{CASE_TITLE} · {_case_name(case)}",  # shown translated (``Timer.label``)
            "context": {"title": CASE_TITLE, "name": _case_name(case)},
        },
    )
    escalation_services.measure_clock_start(
        incident=incident,
        measure=COMPLAINT_CASE,
        record=case,
        title=CASE_TITLE,
        name=_case_name(case),
        article="第十四条之二（七）",
        path=_page(incident, "case"),
    )


def complaint_case_stop(*, incident: Incident, case: ComplaintCase, reason: str) -> None:
    escalation_services.record_clock_stop(
        incident=incident, kind=CASE_REMINDER, record_id=case.pk, reason=reason
    )
    escalation_services.measure_clock_stop(
        incident=incident, measure=COMPLAINT_CASE, record_id=case.pk, reason=reason
    )


def fire_complaint_case_reminder(timer: Timer, incident: Any) -> str:
    """Before the due time: the handler is reminded."""
    case = ComplaintCase.objects.filter(pk=timer.payload.get("record"), is_open=True).first()
    if case is None:
        return "gone"
    rows = escalation_services.notify(
        incident=incident,
        audience=[f"person:{case.handler_id}"],
        event="complaint_case_due",
        context={
            "reminder": True,
            "customer": mask_value(NAME, case.customer),
            "days": case.limit_days,
            "due_at": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M"),
        },
        timer=timer,
    )
    return f"notified {len(rows)}"


# --- dispute plan and clarification statement --------------------------------------------------------


def dispute_plan_follow(*, incident: Incident, plan: DisputePlan) -> None:
    escalation_services.measure_clock_start(
        incident=incident,
        measure=DISPUTE_PLAN,
        record=plan,
        title=DISPUTE_PLAN_TITLE,
        article="第十四条之二（二）",
        path=_page(incident, "dispute_plan"),
    )


def dispute_plan_stop(*, incident: Incident, plan: DisputePlan, reason: str) -> None:
    escalation_services.measure_clock_stop(
        incident=incident, measure=DISPUTE_PLAN, record_id=plan.pk, reason=reason
    )


def statement_follow(*, incident: Incident, statement: ClarificationStatement) -> None:
    """The statement moved to a waiting step (drafted, vetted): that step's clock (re)starts; any other
    step (returned, published) stops it."""
    escalation_services.measure_clock_stop(  # the step that waited is done (vetted, returned, published)
        incident=incident, measure=STATEMENT, record_id=statement.pk, reason=statement.status
    )
    if not statement.is_waiting:
        return
    escalation_services.measure_clock_start(
        incident=incident,
        measure=STATEMENT,
        record=statement,
        title=STATEMENT_TITLES[statement.status],
        article="第十四条之二（三）",
        path=_page(incident, "statement"),
    )
