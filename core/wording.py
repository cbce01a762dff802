"""How a list of names or kinds reads in the reader's language: 甲、乙 in Chinese, "A, B" in English.

Every list a page or a timeline text shows goes through ``join_list`` so the separator is decided in one
place and the English pages never carry the Chinese enumeration comma.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import get_language


def list_separator() -> str:
    language = get_language() or "zh-hans"
    return "、" if language.startswith("zh") else ", "


def join_list(items: Iterable[object]) -> str:
    return list_separator().join(str(item) for item in items)
