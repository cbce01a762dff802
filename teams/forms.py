"""People pickers (issue 12): list only who may hold the duty, by name with their role — never usernames,
never an auditor as on-scene commander. One field class for every picker. And what naming an acting leader
must carry (issue 14; the page and the admin validate with ``ActingLeaderForm``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Membership, Person

MAX_ACTING_PERIOD = timedelta(days=31)


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
    """ "周坐席（电话接通应急工作小组·成员）", in English "周坐席 (Phone-Connection … · Member)": the
    plan's team by its own name in the reader's language (``str(team)``), that language's punctuation."""
    roles = [
        f"{membership.team}{_('·')}{membership.get_role_display()}"
        for membership in person.memberships.all()  # type: ignore[attr-defined]
    ]
    if not roles:
        return person.name
    return str(_("%(name)s（%(roles)s）") % {"name": person.name, "roles": str(_("；")).join(roles)})


class DutyPersonField(forms.ModelChoiceField):
    """Pick a person for a duty: ``DutyPersonField(holds=Q(team__code="complaint"), label=...)``."""

    def __init__(self, *, holds: Q, **kwargs: Any):
        super().__init__(queryset=people_for_duty(holds=holds), **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return duty_label(obj)


class DutyPeopleField(forms.ModelMultipleChoiceField):
    """Pick several people for a duty, as checkboxes labelled with their roles (``duty_label``):
    ``DutyPeopleField(queryset=people_for_duty(holds=...), label=...)``. Anyone outside the queryset is
    refused with ``invalid_choice`` as the field's error, whoever the caller (page or API)."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        return duty_label(obj)


class ActingLeaderForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("代理人"),
        queryset=Person.objects.filter(is_active=True, user__isnull=False).order_by("name"),
    )
    starts_at = forms.DateTimeField(label=_("开始时间"))
    ends_at = forms.DateTimeField(label=_("结束时间"))
    reason = forms.CharField(label=_("理由"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts is None or ends is None:
            return data
        now = timezone.now()
        if starts < now - timedelta(days=1):
            self.add_error("starts_at", _("开始时间不能早于一天前。"))
        if ends <= starts:
            self.add_error("ends_at", _("结束时间须晚于开始时间。"))
        elif ends - starts > MAX_ACTING_PERIOD:
            self.add_error("ends_at", _("一次代理最长 31 天。"))
        return data
