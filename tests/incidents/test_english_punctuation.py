"""An English reader sees English punctuation (issue 12): the board, the incident page and the inbox, for a
fire awaiting termination by two approvers with measures withdrawn by a kind correction, carry no Chinese
word, enumeration comma or full-width colon/bracket of their own — only what people typed (titles, names,
reasons) stays as written. In Chinese the same places keep 、：（）."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from incidents.models import Incident
from teams.models import Person, Team
from tests.incidents.lifecycle import body_for, move

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
REASON = "现场核实：系大楼供电故障，无明火"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class _Text(HTMLParser):
    """The words a reader sees: text outside <script>/<style>, and the title/aria-label/placeholder hints."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def _typed() -> list[str]:
    """What people typed or named: never translated, so left out of the check (longest first)."""
    typed = {
        REASON,
        *Person.objects.values_list("name", flat=True),
        *Team.objects.values_list("name", flat=True),
    }
    for name in ("report", "activate", "request_termination", "approve_termination"):
        typed.update(v for v in body_for(name).values() if isinstance(v, str))
    for incident in Incident.objects.all():
        typed.update([incident.title, incident.description])
    return sorted((t for t in typed if t), key=len, reverse=True)


def _foreign_lines(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    text = "\n".join(parser.parts)
    for typed in _typed():
        text = text.replace(typed, "")
    text = text.replace("中文", "")  # the language switch names its language in that language
    return [line.strip() for line in text.splitlines() if CHINESE.search(line)]


@pytest.fixture
def awaiting_termination(api, declare, org) -> int:
    """A fire (sudden plan): Leadership Group and building security must both approve; corrected to a power
    cut, so the fire's own measures are withdrawn and carry their kinds badge."""
    pk = declare(
        "supervisor", category="disaster", kind="fire", title="Smoke in the third-floor server room"
    )["id"]
    for username, name in [("agent", "report"), ("gm", "activate")]:
        assert move(api, username, pk, name).status_code == 200
    corrected = api("gm").post(
        f"/api/v1/incidents/{pk}/kind/", {"kind": "power_cut", "reason": REASON}, format="json"
    )
    assert corrected.status_code == 200, corrected.content
    for username, name in [("sudden_lead", "execute"), ("sudden_lead", "request_termination")]:
        assert move(api, username, pk, name).status_code == 200, name
    return pk


def test_board_incident_page_and_inbox_read_in_english_punctuation(client, org, awaiting_termination):
    pk = awaiting_termination
    client.force_login(org["gm"])
    client.post("/i18n/setlang/", {"language": "en"})
    pages = {
        "board": client.get("/").content.decode(),
        "incident": client.get(f"/incidents/{pk}/").content.decode(),
        "inbox": client.get("/inbox/").content.decode(),
    }
    left = {name: _foreign_lines(html) for name, html in pages.items()}
    assert not any(left.values()), left
    assert "Termination awaits: Leadership Group, Building head of security" in pages["board"]
    assert re.search(r"\(\d+, newest first\)", pages["incident"])
    assert "Next: </strong>" in pages["incident"] and "Plan measures: </strong>" in pages["incident"]
    assert "Grade II (serious)" in pages["board"]
    # who was told: the subjects are stored in each recipient's language, the heading is the reader's
    messages = client.get(f"/escalation/incidents/{pk}/messages/").content.decode()
    assert re.search(r'Messages and acknowledgements <span class="muted">\(\d+\)</span>', messages)


def test_chinese_keeps_its_own_punctuation(client, org, awaiting_termination):
    pk = awaiting_termination
    client.force_login(org["gm"])
    board = client.get("/").content.decode()
    page = client.get(f"/incidents/{pk}/").content.decode()
    assert "待批准终止：领导小组、大厦安全保卫负责人" in board
    assert "下一步：" in page and "最新在前）" in page and "预案措施：" in page
    assert "火灾、盗抢" in page or "火灾、" in page  # a withdrawn measure's kinds badge
