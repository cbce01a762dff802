"""The organisation's rules, shared by the admin and the loader so both refuse the same things."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.utils.translation import gettext as _

from .models import Membership, Team


def team_role_errors(*, team_code: str, roles: Iterable[str]) -> list[str]:
    """Errors in one team's set of roles: a working group needs one lead, the Leadership Group one
    leader and one deputy (Art. 6); roles that don't belong to the kind of team are refused."""
    counts = Counter(roles)
    errors: list[str] = []
    allowed = (
        Membership.LEADERSHIP_ROLES if team_code == Team.Code.LEADERSHIP else Membership.WORKING_GROUP_ROLES
    )
    for role in counts:
        if role not in allowed:
            errors.append(_("未知或不适用的职务“%(role)s”") % {"role": role})
    if team_code == Team.Code.LEADERSHIP:
        for role, label in ((Membership.Role.LEADER, _("组长")), (Membership.Role.DEPUTY, _("副组长"))):
            if counts[role] != 1:
                errors.append(_("领导小组必须有且只有一名%(label)s") % {"label": label})
    elif counts[Membership.Role.LEAD] != 1:
        errors.append(_("工作小组必须有且只有一名组长"))
    return errors
