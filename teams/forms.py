"""People pickers (issue 12): list only who may hold the duty, by name with their role — never usernames,
never an auditor as on-scene commander. One field class for every picker."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Prefetch, Q, QuerySet

from .models import Membership, Person


def people_for_duty(*, holds: Q) -> QuerySet[Person]:
    """Active people with a membership matching ``holds`` (a ``Membership`` condition), memberships
    prefetched for their labels, by name."""
    memberships = Membership.objects.filter(holds)
    return (
        Person.objects.filter(pk__in=memberships.values("person_id"), is_active=True)
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("team")))
        .order_by("name", "pk")
    )


def duty_label(person: Person) -> str:
    roles = [
        f"{membership.team.name}·{membership.get_role_display()}"
        for membership in person.memberships.all()  # type: ignore[attr-defined]
    ]
    return f"{person.name}（{'；'.join(roles)}）" if roles else person.name


class DutyPersonField(forms.ModelChoiceField):
    """Pick a person for a duty: ``DutyPersonField(holds=Q(team__code="complaint"), label=...)``."""

    def __init__(self, *, holds: Q, **kwargs: Any):
        super().__init__(queryset=people_for_duty(holds=holds), **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return duty_label(obj)
