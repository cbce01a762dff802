"""The approver sees the missing person (issue 12, browser walk): a termination requested while the
incident's latest roll call has people 失联 or not yet confirmed says so, in red, on the request form and on
the approver's inbox card, before the approve button — a warning, not a block (docs/decisions.md). The
inbox reads the alerts of all its cards at once: its query count does not grow with the cards."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Incident
from measures import services
from tests.incidents.lifecycle import body_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(client, org):
    def as_user(username: str, language: str = "zh-hans"):
        client.force_login(org[username])
        client.post("/i18n/setlang/", {"language": language})
        return client

    return as_user


def _move(org, incident: Incident, username: str, name: str) -> None:
    incident_services.incident_transition(
        incident_id=incident.pk, name=name, user=org[username], data=body_for(name)
    )


def _fire(org, title: str = "三楼冒烟", *, missing: int = 1, unknown: int = 1, requested: bool = True):
    """A fire under way whose roll call has ``missing`` people 失联 and ``unknown`` not yet confirmed (the
    rest safe), with termination requested by the lead working group."""
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={"title": title, "category": "disaster", "detected_at": timezone.now() - timedelta(minutes=30)},
    )
    roll_call = services.roll_call_start(
        incident_id=incident.pk, user=org["supervisor"], data={"assembly_point": "大厦东侧广场"}
    )
    entries = list(roll_call.entries.order_by("pk"))
    statuses = ["missing"] * missing + ["safe"] * (len(entries) - missing - unknown)
    for entry, status in zip(entries, statuses, strict=False):
        services.roll_call_mark(entry_id=entry.pk, user=org["supervisor"], data={"status": status})
    _move(org, incident, "agent", "report")
    _move(org, incident, "gm", "activate")
    _move(org, incident, "sudden_lead", "execute")
    if requested:
        _move(org, incident, "sudden_lead", "request_termination")
    return incident


def _card(html: str, incident_id: int) -> str:
    card = re.search(
        rf'<article class="card decision compact" data-incident="{incident_id}">(.*?)</article>', html, re.S
    )
    assert card, f"no inbox card for #{incident_id}"
    return card.group(1)


def _notice(html: str) -> str:
    match = re.search(
        r'<div class="alert-notice danger" role="alert" data-alert-notice>(.*?)</div>', html, re.S
    )
    assert match, "no red notice"
    return match.group(1)


@pytest.mark.parametrize(
    ("language", "missing", "unknown", "sentence", "approve"),
    [
        ("zh-hans", "失联 1 人", "未确认 1 人", "撤离点名：1 人失联", "批准终止"),
        (
            "en",
            "1 missing",
            "1 unconfirmed",
            "Evacuation roll call: 1 person is missing",
            "Approve termination",
        ),
    ],
)
def test_the_approvers_inbox_card_says_who_is_missing_before_the_approve_button(
    web, org, language, missing, unknown, sentence, approve
):
    incident = _fire(org)
    card = _card(web("gm", language).get("/inbox/").content.decode(), incident.pk)
    notice = _notice(card)
    assert f">{missing}</a>" in notice and f">{unknown}</a>" in notice  # red first, then the warning
    assert notice.index("alert-danger") < notice.index("alert-warning")
    assert sentence in notice
    assert f'href="/measures/{incident.pk}/roll-call/"' in notice
    # before the approval form (and its button), and still approvable: a warning, not a block
    assert card.index("data-alert-notice") < card.index('value="approve_termination"')
    assert f">{approve}</button>" in card.split("data-alert-notice", 1)[1]


@pytest.mark.parametrize(
    ("language", "missing", "hint"),
    [
        ("zh-hans", "失联 1 人", "仍可申请终止（这是提醒，不是阻止）"),
        ("en", "1 missing", "You may still request termination (a warning, not a block)"),
    ],
)
def test_the_termination_request_form_says_who_is_missing(web, org, language, missing, hint):
    incident = _fire(org, requested=False)
    client = web("sudden_lead", language)
    page = client.get(f"/incidents/{incident.pk}/do/request_termination/").content.decode()
    notice = _notice(page)
    assert f">{missing}</a>" in notice and hint in notice
    assert page.index("data-alert-notice") < page.index(
        f'action="/incidents/{incident.pk}/do/request_termination/"'
    )
    # and it is only a warning: the request goes through, the approver sees the same
    _move(org, incident, "sudden_lead", "request_termination")
    assert Incident.objects.get(pk=incident.pk).state == "termination_requested"
    approver_page = (
        web("security_head", language)
        .get(f"/incidents/{incident.pk}/do/approve_termination/")
        .content.decode()
    )
    assert f">{missing}</a>" in _notice(approver_page)


def test_no_notice_when_everyone_is_accounted_for(web, org):
    incident = _fire(org, missing=0, unknown=0)
    card = _card(web("gm").get("/inbox/").content.decode(), incident.pk)
    assert "data-alert-notice" not in card and "alert-badge" not in card


def test_inbox_queries_do_not_grow_with_the_cards_that_carry_alerts(web, org):
    client = web("gm")
    _fire(org, "一号火情")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/inbox/")
        assert response.status_code == 200
        return len(captured)

    count()
    few = count()
    for index in range(4):
        _fire(org, f"更多火情{index}", missing=index % 2, unknown=1)
    many = count()
    page = client.get("/inbox/").content.decode()
    assert page.count("data-alert-notice") == 5
    assert many == few, (few, many)
