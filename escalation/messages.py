"""Notification texts live in templates, apart from logic (STYLE.md §12):
``escalation/templates/escalation/messages/<event>.txt`` — first line the title, the rest the body
(markdown, which the WeCom and DingTalk robots render). Unknown events use ``_default.txt``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string, select_template
from django.utils import translation


def render(*, event: str, incident: Any, context: dict[str, Any]) -> tuple[str, str]:
    names = [f"escalation/messages/{event}.txt", "escalation/messages/_default.txt"]
    with translation.override(settings.LANGUAGE_CODE):
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
        }
        text = template.render(data) if template else render_to_string(names[-1], data)
    lines = [line.rstrip() for line in text.strip().splitlines()]
    subject = lines[0] if lines else event
    body = "\n".join(lines[1:]).strip()
    if data["is_drill"] and not subject.startswith("【演练】"):
        subject = f"【演练】{subject}"
    return subject[:300], body
