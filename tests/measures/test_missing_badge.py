"""Issue 12 (the supervisor's 3 a.m. walk): people a roll call has not accounted for are not only on the
roll-call page. The incident's card on the live board and the top of the incident page carry a red
"失联 N 人" badge linking to the roll call while its latest roll call has anyone 失联 (open or closed), and
"未确认 N 人" while it is still open; both go once the people are found. Read through ``incidents``'
alert contribution, one query for all the board's cards."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import contributions
from incidents import services as incident_services
from measures import services
from measures.models import RollCall, RollCallEntry
from tests.measures.helpers import fire_with_roll_call

pytestmark = pytest.mark.django_db

BADGE = re.compile(
    r'<a class="alert-badge alert-(?P<level>\w+)" href="(?P<url>[^"]+)" data-alert="(?P<kind>\w+)" '
    r'data-count="(?P<count>\d+)"[^>]*>(?P<label>[^<]+)</a>'
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def web(client, org):
    def as_user(username: str, language: str = "zh-hans"):
        client.force_login(org[username])
        client.post("/i18n/setlang/", {"language": language})
        return client

    return as_user


def _fire(org, title: str = "三楼冒烟"):
    return fire_with_roll_call(org, title)


def _mark(org, roll_call: RollCall, statuses: list[str]) -> list[RollCallEntry]:
    """Mark the first ``len(statuses)`` people of the roll call; the rest stay as they are."""
    entries = list(roll_call.entries.order_by("pk"))
    for entry, status in zip(entries, statuses, strict=False):
        services.roll_call_mark(entry_id=entry.pk, user=org["supervisor"], data={"status": status})
    return entries


def _badges(html: str, incident_id: int | None = None) -> list[dict[str, str]]:
    """The badges of one card of the board (``incident_id``) or of the whole page."""
    if incident_id is not None:
        card = re.search(
            rf'<article class="ticket[^"]*" data-incident="{incident_id}">(.*?)</article>', html, re.S
        )
        assert card, f"no card for #{incident_id}"
        html = card.group(1)
    return [match.groupdict() for match in BADGE.finditer(html)]


def _top_of_incident_page(html: str) -> str:
    """From the page's heading to the first card: what a phone shows before any scrolling."""
    start = html.index('<div class="page-head">')
    return html[start : html.index('<section class="card"', start)]


def test_missing_badge_on_the_board_and_atop_the_incident_page_until_found(web, org):
    incident, roll_call = _fire(org)
    client = web("supervisor")
    roll_call_url = f"/measures/{incident.pk}/roll-call/"
    everyone = roll_call.entries.count()
    assert everyone >= 4

    # open roll call, nobody marked yet: the not-yet-confirmed count, as a warning (not red)
    assert _badges(client.get("/").content.decode(), incident.pk) == [
        {"level": "warning", "url": roll_call_url, "kind": "roll_call_unknown", "count": str(everyone),
         "label": f"未确认 {everyone} 人"},
    ]  # fmt: skip

    entries = _mark(org, roll_call, ["missing", "missing"] + ["safe"] * (everyone - 3))
    board = _badges(client.get("/").content.decode(), incident.pk)
    assert board == [
        {"level": "danger", "url": roll_call_url, "kind": "roll_call_missing", "count": "2",
         "label": "失联 2 人"},
        {"level": "warning", "url": roll_call_url, "kind": "roll_call_unknown", "count": "1",
         "label": "未确认 1 人"},
    ]  # fmt: skip
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert _badges(_top_of_incident_page(page)) == board  # at the top, before any card
    # the board's live part (htmx polls it) carries it too
    assert _badges(client.get("/board/").content.decode(), incident.pk) == board

    # closed with the two still missing (a confirmed decision): the red badge stays, the warning goes
    services.roll_call_mark(entry_id=entries[-1].pk, user=org["supervisor"], data={"status": "absent"})
    services.roll_call_close(
        roll_call_id=roll_call.pk,
        user=org["supervisor"],
        data={"confirm_missing": "on", "reason": "消防已进入搜救"},
    )
    assert [b["label"] for b in _badges(client.get("/").content.decode(), incident.pk)] == ["失联 2 人"]

    # found one by one (updates after the close): the count falls, then the badge is gone
    services.roll_call_mark(entry_id=entries[0].pk, user=org["security_head"], data={"status": "safe"})
    assert [b["label"] for b in _badges(client.get("/").content.decode(), incident.pk)] == ["失联 1 人"]
    services.roll_call_mark(entry_id=entries[1].pk, user=org["security_head"], data={"status": "safe"})
    assert _badges(client.get("/").content.decode(), incident.pk) == []
    assert _badges(client.get(f"/incidents/{incident.pk}/").content.decode()) == []


def test_only_the_latest_roll_call_counts(org):
    incident, first = _fire(org)
    _mark(org, first, ["safe"] * first.entries.count())
    services.roll_call_close(roll_call_id=first.pk, user=org["supervisor"])
    assert contributions.alerts_for_incidents([incident.pk]) == {}
    second = services.roll_call_start(
        incident_id=incident.pk, user=org["supervisor"], data={"assembly_point": "二号集合点"}
    )
    _mark(org, second, ["missing"])
    alerts = contributions.alerts_for_incidents([incident.pk])[incident.pk]
    assert [(a["kind"], a["count"]) for a in alerts] == [
        ("roll_call_missing", 1),
        ("roll_call_unknown", second.entries.count() - 1),
    ]


def test_badge_in_english_with_plurals(web, org):
    incident, roll_call = _fire(org, title="Fire drill")
    client = web("supervisor", "en")
    entries = _mark(org, roll_call, ["missing"])
    board = _badges(client.get("/").content.decode(), incident.pk)
    unknown = roll_call.entries.count() - 1
    assert [b["label"] for b in board] == ["1 missing", f"{unknown} unconfirmed"]
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'title="Evacuation roll call: 1 person is missing — open the roll call"' in page
    services.roll_call_mark(entry_id=entries[1].pk, user=org["supervisor"], data={"status": "missing"})
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert [b["label"] for b in _badges(_top_of_incident_page(page))] == [
        "2 missing",
        f"{unknown - 1} unconfirmed",
    ]
    assert "2 people are missing" in page
    assert "失联" not in _top_of_incident_page(page) and "未确认" not in _top_of_incident_page(page)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_board_queries_do_not_grow_with_incidents_with_roll_calls(web, org, django_assert_num_queries):
    client = web("supervisor")
    first, roll_call = _fire(org, "一号楼火警")
    _mark(org, roll_call, ["missing"])
    _queries(client, "/")  # warm the session and the actor
    one = _queries(client, "/")
    one_partial = _queries(client, "/board/")
    ids = [first.pk]
    for index in range(4):
        incident, roll_call = _fire(org, f"火警{index}")
        _mark(org, roll_call, ["missing", "safe"][: 1 + index % 2])
        ids.append(incident.pk)
    with django_assert_num_queries(1):  # the measures' source: one query for all the cards
        alerts = contributions.alerts_for_incidents(ids)
    assert sorted(alerts) == sorted(ids)
    html = client.get("/").content.decode()
    assert html.count('data-alert="roll_call_missing"') == 5
    assert _queries(client, "/") == one, one
    assert _queries(client, "/board/") == one_partial, one_partial


def test_a_dismissed_incident_carries_no_badge_it_could_never_lose(org):
    """A fire declared (roll call started), two marked missing, then dismissed as a false alarm: neither its
    roll call nor its missing people can be updated any more, so neither badge stays on it for good; reopened,
    the incident shows them again."""
    incident, roll_call = _fire(org)
    _mark(org, roll_call, ["missing", "missing"])
    assert [a["kind"] for a in contributions.alerts_for_incidents([incident.pk])[incident.pk]] == [
        "roll_call_missing",
        "roll_call_unknown",
    ]
    incident_services.incident_transition(
        incident_id=incident.pk, name="dismiss", user=org["gm"], data={"reason": "误报，烟感故障"}
    )
    assert contributions.alerts_for_incidents([incident.pk]) == {}
    incident_services.incident_transition(
        incident_id=incident.pk, name="reopen", user=org["gm"], data={"reason": "再次报警"}
    )
    assert [a["count"] for a in contributions.alerts_for_incidents([incident.pk])[incident.pk]] == [
        2,
        roll_call.entries.count() - 2,
    ]
