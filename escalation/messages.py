"""Notification texts live in templates, apart from logic (STYLE.md §12):
``escalation/templates/escalation/messages/<event>.txt`` — first line the title, the rest the body
(markdown, which the WeCom and DingTalk robots render). Unknown events use ``_default.txt``.

Each message is rendered in its recipient's language (``language``; the catalogue's English for every
event text, ``escalation/locale``); system values in ``ctx`` (seeded measure titles, role and deadline
names) are catalogue msgids the templates translate, what people typed stays as typed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string, select_template
from django.utils import translation
from django.utils.translation import gettext

# The templates' own punctuation (``{{ p.colon }}``…): full-width in Chinese, Latin in the other languages —
# never applied to the values (a Chinese title stays as typed in an English message).
CHINESE_PUNCTUATION = {"colon": "：", "lp": "（", "rp": "）", "comma": "，", "semicolon": "；"}
LATIN_PUNCTUATION = {"colon": ": ", "lp": " (", "rp": ")", "comma": ", ", "semicolon": "; "}


def punctuation() -> dict[str, str]:
    """The punctuation of the active language."""
    return CHINESE_PUNCTUATION if (translation.get_language() or "zh").startswith("zh") else LATIN_PUNCTUATION


def render(*, event: str, incident: Any, context: dict[str, Any], language: str = "") -> tuple[str, str]:
    names = [f"escalation/messages/{event}.txt", "escalation/messages/_default.txt"]
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            template = select_template(names)
        except TemplateDoesNotExist:  # pragma: no cover - _default.txt ships with the app
            template = None
        data = {
            "event": event,
            "incident": incident,
            "ctx": context,
            "site_url": settings.SITE_URL.rstrip("/"),
            "is_drill": bool(getattr(incident, "is_drill", False) or context.get("is_drill")),
            "p": punctuation(),
        }
        text = template.render(data) if template else render_to_string(names[-1], data)
        drill = gettext("【演练】")
    lines = [line.rstrip() for line in text.strip().splitlines()]
    subject = lines[0] if lines else event
    body = "\n".join(lines[1:]).strip()
    if data["is_drill"] and not subject.startswith(drill):
        subject = f"{drill}{subject}"
    return subject[:300], body
