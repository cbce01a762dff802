"""Every notification text has its English (issue 12): each event's template rendered in English with Latin
values carries no Chinese word or full-width punctuation of its own, and in Chinese it reads as before."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from escalation import messages

TEMPLATES = sorted(Path(messages.__file__).parent.joinpath("templates/escalation/messages").glob("*.txt"))
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
NUMBERS = {"count", "minutes", "days", "threshold_minutes", "limit_minutes", "delay_minutes", "related_id"}


class _Incident(SimpleNamespace):
    def get_state_display(self) -> str:
        return "Executing"

    def get_category_display(self) -> str:
        return "System outage"

    def get_grade_display(self) -> str:
        return "Grade II"


def _context(template: Path, step: int) -> dict:
    names = set(re.findall(r"ctx\.([a-z_]+)", template.read_text())) - {"items"}
    context: dict = {name: (2 if name in NUMBERS else "X") for name in names}
    context.update(step=step, walk_in=True, reminder=True)
    return context


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.stem for t in TEMPLATES])
@pytest.mark.parametrize("step", [1, 2])
def test_every_event_text_has_its_english(template, step):
    incident = _Incident(
        pk=7, title="Core outage", is_drill=True, grade="II", affected_system="CTI", termination_deadline=None
    )
    subject, body = messages.render(
        event=template.stem, incident=incident, context=_context(template, step), language="en"
    )
    left = [line for line in f"{subject}\n{body}".splitlines() if CHINESE.search(line)]
    assert not left, left
    assert subject.startswith("[Drill] ")


def test_chinese_keeps_its_full_width_punctuation():
    incident = _Incident(
        pk=7, title="核心系统中断", is_drill=False, grade="", affected_system="", termination_deadline=None
    )
    subject, body = messages.render(
        event="progress_silent", incident=incident, context={}, language="zh-hans"
    )
    assert "事件：核心系统中断（#7，Executing）" in body and not subject.startswith("【演练】")
