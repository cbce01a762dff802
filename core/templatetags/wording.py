"""`{{ names|join_list }}` (after `{% load wording %}`): joined with 、 in Chinese, ", " in English."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from core.wording import join_list as join_list_text

register = template.Library()


@register.filter
def join_list(items: Iterable[object]) -> str:
    return join_list_text(items)
