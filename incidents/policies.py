"""Who may move an incident, and the four-eyes rule — the one place for these rules (DESIGN §1, §3).

Each function has django-fsm's permission signature ``(incident, user) -> bool``, so the state machine
itself carries them and ``available_transitions`` is computed for the requesting user by django-fsm.
``user`` may be a real user or ``SYSTEM_USER`` (the outage clock reporting on its own, Art. 2).
Auditors are read-only whatever else they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from teams.models import Person, Team
from teams.roles import AUDITOR_GROUP, SYSTEM_ACTOR, OrgActor
from teams.selectors import actor_for

from .plans import ApprovalSlot, kind_applies
from .states import State

if TYPE_CHECKING:
    from .models import Incident


class _SystemUser:
    """The app acting on its own (timers). Not a database user; its timeline entries say 系统."""

    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_superuser = False
    username = "system"
    _org_actor = SYSTEM_ACTOR

    def __str__(self) -> str:
        return "system"


SYSTEM_USER = _SystemUser()


def _actor(user: Any) -> OrgActor:
    return actor_for(user)


def _lead_group_code(incident: Incident) -> str | None:
    return incident.lead_group.code if incident.lead_group is not None else None


def is_same_user(user: Any, user_id: int | None) -> bool:
    return user_id is not None and getattr(user, "pk", None) == user_id


def may_report(incident: Incident, user: Any) -> bool:
    """Art. 8: a working group (any member), the supervisor, a manager — or the system — applies."""
    actor = _actor(user)
    if actor.is_read_only:
        return False
    return actor.is_system or actor.in_any_working_group or actor.in_leadership_group


def may_dismiss(incident: Incident, user: Any) -> bool:
    """Dismiss a warning or reopen it: the supervisor (deputy), the leader, or the lead group's lead."""
    actor = _actor(user)
    if actor.is_read_only:
        return False
    return actor.is_leadership_decider or actor.leads(_lead_group_code(incident))


def may_decide(incident: Incident, user: Any) -> bool:
    """Art. 9: leader or deputy decide; four-eyes — the reporter cannot alone decide on their own report."""
    actor = _actor(user)
    if actor.is_read_only or not actor.is_leadership_decider:
        return False
    return not is_same_user(user, incident.reported_by_id)


def may_execute(incident: Incident, user: Any) -> bool:
    actor = _actor(user)
    if actor.is_read_only:
        return False
    return actor.is_leadership_decider or actor.leads(_lead_group_code(incident))


def may_request_termination(incident: Incident, user: Any) -> bool:
    """Art. 15–17: the lead working group proposes termination and a time limit."""
    actor = _actor(user)
    return not actor.is_read_only and actor.leads(_lead_group_code(incident))


def approval_slots_held(incident: Incident, user: Any) -> list[str]:
    """The termination approvals this user can give for this incident's plan (Art. 15–17)."""
    actor = _actor(user)
    if actor.is_read_only:
        return []
    held = []
    for slot in incident.required_approval_slots:
        if slot == ApprovalSlot.LEADERSHIP and actor.is_leadership_decider or slot in actor.parties:
            held.append(slot)
    return held


def may_approve_termination(incident: Incident, user: Any) -> bool:
    """An approver whose slot is still open; never the requester (four-eyes); once per round each."""
    if is_same_user(user, incident.termination_requested_by_id):
        return False
    return bool(open_slots_for(incident, user))


def open_slots_for(incident: Incident, user: Any) -> list[str]:
    held = approval_slots_held(incident, user)
    if not held:
        return []
    from .selectors import termination_approvals_in_round

    approvals = termination_approvals_in_round(incident=incident)
    if any(is_same_user(user, approval.approver_id) for approval in approvals):
        return []
    filled = {approval.slot for approval in approvals}
    return [slot for slot in held if slot not in filled]


def may_reject_termination(incident: Incident, user: Any) -> bool:
    return bool(approval_slots_held(incident, user))


def may_investigate(incident: Incident, user: Any) -> bool:
    actor = _actor(user)
    return not actor.is_read_only and actor.is_leadership_decider


def investigator_candidates() -> QuerySet[Person]:
    """Art. 19: who may be named to investigate — the one rule for the picker and the service (the form's
    queryset): the active people of the emergency organisation with an account to write the report in, and
    never an auditor (auditors are independent of the investigation they audit; they are read-only, and the
    investigation page would refuse them). Memberships prefetched for the role labels."""
    from teams.forms import people_for_duty

    return (
        people_for_duty(holds=Q())
        .filter(user__isnull=False, user__is_active=True)
        .exclude(user__groups__name=AUDITOR_GROUP)
    )


def may_close(incident: Incident, user: Any) -> bool:
    """Only the leader closes the case, on a complete investigation report (DESIGN §3)."""
    actor = _actor(user)
    return not actor.is_read_only and actor.holds_leader_rights


def may_act_on(incident: Incident, user: Any) -> bool:
    """Actions that change no state (progress, checklist, attachments): anyone in the response, not auditors,
    and nothing at all once the case is closed."""
    actor = _actor(user)
    if actor.is_read_only or incident.state == State.CLOSED:
        return False
    return (
        actor.is_system
        or actor.in_any_working_group
        or actor.in_leadership_group
        or bool(actor.parties & {"building_security", "hq_general_office"})
    )


REGULATOR_DECISION_STATES = frozenset(
    {"activated", "executing", "termination_requested", "terminated", "investigating"}
)


def directs_response(actor: OrgActor, incident: Incident) -> bool:
    """The lead of the incident's lead group or the Leadership Group: who directs the response's people and
    measures — completes anyone's measure, moves second-line staff to the front (Art. 14 (1)), records the
    after-event work (Art. 18). A working group's members do not."""
    return actor.in_leadership_group or actor.leads(_lead_group_code(incident))


def may_direct_response(incident: Incident, user: Any) -> bool:
    """``directs_response`` as a write check: not auditors, not once the case is closed."""
    actor = _actor(user)
    if actor.is_read_only or incident.state == State.CLOSED:
        return False
    return actor.is_system or directs_response(actor, incident)


def may_complete_measure(incident: Incident, measure: Any, user: Any) -> bool:
    """Issue 13, the one rule for every measure (a checklist item, a dispute plan, a statement's waiting
    step, a complaint, a corrective action): it is completed by its owner — ``measure.owner`` (a person)
    or ``measure.owner_role`` (a party, the leader, the deputy) — the lead group's lead, or the Leadership
    Group. A step the plan gives to one body alone (``measure.owner_only``: the head-office general office
    vets the statement) is taken by its owner only."""
    actor = _actor(user)
    if actor.is_read_only or incident.state == "closed":
        return False
    owner_only = getattr(measure, "owner_only", False)
    if actor.is_system and not owner_only:
        return True
    if not owner_only and directs_response(actor, incident):
        return True
    owner = getattr(measure, "owner", None)
    if owner is not None and owner.user_id is not None and is_same_user(user, owner.user_id):
        return True
    role = getattr(measure, "owner_role", "")
    return bool(role) and role in actor.parties


def measure_owner_label(measure: Any) -> str:
    """Who owns the measure, in words: the person, else the role."""
    owner = getattr(measure, "owner", None)
    if owner is not None:
        return str(owner)
    from .models import OwnerRole

    role = getattr(measure, "owner_role", "") or OwnerRole.LEAD_GROUP_LEAD
    return str(OwnerRole(role).label) if role in OwnerRole.values else str(role)


def measure_refusal(incident: Incident, measure: Any, user: Any) -> str:
    """Why ``user`` may not complete ``measure`` — naming its owner — or ``""``: one wording for the
    services, the pages and the API (403)."""
    if may_complete_measure(incident, measure, user):
        return ""
    if getattr(measure, "owner_only", False):
        return _("只有责任人（%(owner)s）可以办理此项措施。") % {"owner": measure_owner_label(measure)}
    return _("只有责任人（%(owner)s）、牵头小组组长或领导小组可以完成此项措施。") % {
        "owner": measure_owner_label(measure)
    }


def may_record_regulator_decision(incident: Incident, user: Any) -> bool:
    """Art. 10: once the plan is activated, the Leadership Group decides whether to report to the regulator —
    the one rule for the page and the API (before activation there is nothing to report yet)."""
    actor = _actor(user)
    return (
        not actor.is_read_only and actor.is_leadership_decider and incident.state in REGULATOR_DECISION_STATES
    )


def may_record_regulator_submission(incident: Incident, user: Any) -> bool:
    """Art. 10: the deciders or the regulator liaison record what was sent to the regulator, until closed."""
    actor = _actor(user)
    if actor.is_read_only or incident.state == "closed":
        return False
    return actor.is_leadership_decider or "regulator_liaison" in actor.parties


def may_waive_regulator_deadline(incident: Incident, user: Any) -> bool:
    """Ending an unmet regulator deadline as missed takes two deciders (four-eyes): one asks, one approves."""
    actor = _actor(user)
    return not actor.is_read_only and actor.is_leadership_decider and incident.state != "closed"


def may_correct_kind(incident: Incident, user: Any) -> bool:
    """Art. 14: the Leadership Group's deciders correct the kind of sudden event, until the case is closed."""
    actor = _actor(user)
    return (
        not actor.is_read_only
        and actor.is_leadership_decider
        and incident.state not in (State.CLOSED, State.DISMISSED)
        and kind_applies(plan=incident.plan, category=incident.category)
    )


def may_correct_event_start(incident: Incident, user: Any) -> bool:
    """Art. 19: the Leadership Group's deciders correct when the event began, until the case is closed."""
    actor = _actor(user)
    return not actor.is_read_only and actor.is_leadership_decider and incident.state != State.CLOSED


def may_reveal_personal_data(incident: Incident, user: Any) -> bool:
    """Need-to-know (issue 16): complainants' personal data is shown masked to everyone
    (``security.masking``); the complaint group, the Leadership Group and the incident's investigators may
    reveal one record at a time, with a reason that the read log keeps. Auditors and admins never."""
    actor = _actor(user)
    if actor.is_read_only or actor.is_system:
        return False
    if actor.in_leadership_group or actor.belongs_to(Team.Code.COMPLAINT):
        return True
    return actor.person_id is not None and incident.investigators.filter(pk=actor.person_id).exists()


def may_declare(user: Any) -> bool:
    actor = _actor(user)
    return not actor.is_read_only and (actor.in_any_working_group or actor.in_leadership_group)


def four_eyes_refusal(incident: Incident, name: str, user: Any) -> str:
    """The four-eyes rule, in one wording for the services, the API and the pages (Art. 9, 15): the reason
    when it is what keeps ``user`` from ``name`` on this incident, else ``""``."""
    decides = name in ("activate", "decline") and _actor(user).is_leadership_decider
    if decides and is_same_user(user, incident.reported_by_id):
        return _("四眼原则：报告人不能对自己的报告作出启动决定，须由领导小组另一位负责人决定。")
    approves = name == "approve_termination" and bool(approval_slots_held(incident, user))
    if approves and is_same_user(user, incident.termination_requested_by_id):
        return _("四眼原则：终止申请人不能批准自己的申请。")
    return ""
