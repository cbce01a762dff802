"""Art. 14 (1): all staff split into groups A and B serving alternately."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Invalid
from incidents import services as incident_services
from teams import selectors as team_selectors
from teams.models import Person

from .. import selectors
from ..forms import RosterForm
from ..models import RosterAssignment, RotationRoster
from ._common import in_plan_language, measure_action, record, valid


def roster_split(people: list[Person], front_line: frozenset[int] = frozenset()) -> dict[int, str]:
    """Split everyone into A and B, balanced by line first (Art. 14: second line moves to the front) and
    then by main skill: within each line, people of the same skill alternate between the groups, and each
    line starts with the group that is smaller so far, so the totals never differ by more than one.
    ``front_line``: the second-line people moved to the front for this incident count as front line."""
    groups: dict[int, str] = {}
    totals = {"A": 0, "B": 0}
    by_line: dict[str, list[Person]] = {}
    for person in people:
        line = Person.Line.FIRST if person.pk in front_line else person.line
        by_line.setdefault(line, []).append(person)
    for line in sorted(by_line):
        members = sorted(by_line[line], key=lambda p: ((p.skills or "~").split(",")[0].strip(), p.name, p.pk))
        first = "A" if totals["A"] <= totals["B"] else "B"
        second = "B" if first == "A" else "A"
        for index, person in enumerate(members):
            group = first if index % 2 == 0 else second
            groups[person.pk] = group
            totals[group] += 1
    return groups


def roster_generate(*, incident_id: int, user: Any, data: dict[str, Any]) -> RotationRoster:
    """Art. 14 (1): generate the A/B rotation for all staff; a new roster supersedes the previous one."""
    with measure_action(incident_id, user) as act:
        incident = act.incident
        cleaned = valid(RosterForm(data))
        people = list(team_selectors.all_staff())
        if not people:
            raise Invalid(_("应急组织中没有在岗人员。"), detail={"__all__": [{"message": _("没有人员。")}]})
        roster = RotationRoster.objects.create(
            incident=incident,
            starts_on=cleaned["starts_on"],
            period_days=cleaned["period_days"],
            created_by=user,
            created_at=timezone.now(),
        )
        split = roster_split(people, front_line=selectors.front_line_people(incident=incident))
        RosterAssignment.objects.bulk_create(
            RosterAssignment(roster=roster, person=p, group=split[p.pk], line=p.line, skills=p.skills)
            for p in people
        )
        counts = {g: sum(1 for v in split.values() if v == g) for g in ("A", "B")}
        with in_plan_language():
            record(
                act,
                "roster_generated",
                _("生成A/B轮换排班：A组 %(a)d 人，B组 %(b)d 人，每 %(days)d 天轮换。")
                % {"a": counts["A"], "b": counts["B"], "days": roster.period_days},
                roster=roster.pk,
                starts_on=roster.starts_on.isoformat(),
                period_days=roster.period_days,
                counts=counts,
            )
            incident_services.checklist_item_done_by_measure(
                act=act,
                code="ab_rotation",
                evidence=_("A/B轮换排班已生成：A组 %(a)d 人，B组 %(b)d 人，每 %(days)d 天轮换。")
                % {"a": counts["A"], "b": counts["B"], "days": roster.period_days},
            )
        return roster
