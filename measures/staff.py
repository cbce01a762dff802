"""Who "all staff" means for the measures that count people (the A/B roster, the roll call): the one place,
so the staff directory (issue 13) changes them together."""

from __future__ import annotations

from teams import selectors as team_selectors
from teams.models import Person


def roll_call_people() -> list[Person]:
    return list(team_selectors.all_staff())
