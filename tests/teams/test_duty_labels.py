"""People pickers name each person with their teams and roles in the reader's language."""

from __future__ import annotations

import pytest
from django.db.models import Q
from django.utils import translation

from teams.forms import DutyPersonField

pytestmark = pytest.mark.django_db


def test_people_picker_labels_follow_the_readers_language(org):
    field = DutyPersonField(holds=Q(team__code="leadership"))
    with translation.override("en"):
        english = [label for _value, label in field.choices][1:]
    with translation.override("zh-hans"):
        chinese = [label for _value, label in field.choices][1:]
    assert english and any("Leadership" in label for label in english)
    assert not any(mark in label for label in english for mark in ("（", "）", "领导小组", "·成员"))
    assert any("领导小组" in label and "（" in label for label in chinese)
