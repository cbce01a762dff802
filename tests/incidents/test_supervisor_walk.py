"""What a supervisor at 3 a.m. sees on the board and the incident page (the browser walk's findings): an
overdue measure shows as overdue, measures done on their own pages tick the checklist, the newest timeline
entry shows first, a missing person shows on the board, the error pages speak the user's language, and the
measure owners are told at activation. Django's client on PostgreSQL, real services, real rows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import Timer, TimerKind
from escalation.services.measure_clocks import measure_clock_start
from incidents import services
from incidents.models import ChecklistItem, Incident
from tests.incidents.lifecycle import body_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def web(client, org):
    def as_user(username: str):
        client.force_login(org[username])
        return client

    return as_user


def _fire(org) -> Incident:
    """A real fire on the sudden plan, activated: its checklist items have owners and clocks."""
    incident = services.incident_declare(
        user=org["supervisor"],
        data={
            "title": "办公楼火情",
            "category": "disaster",
            "detected_at": (timezone.now() - timedelta(minutes=3)).isoformat(),
        },
    )
    for username, name in (("agent", "report"), ("gm", "activate")):
        services.incident_transition(
            incident_id=incident.pk, name=name, user=org[username], data=body_for(name)
        )
    return Incident.objects.get(pk=incident.pk)


def _overdue_roll_call(incident: Incident) -> ChecklistItem:
    """The roll call's own due time passed 2 minutes ago; the sweep already sent the first reminder."""
    item = ChecklistItem.objects.get(incident=incident, code="evacuation_roll_call")
    item.due_at = timezone.now() - timedelta(minutes=2)
    item.save(update_fields=["due_at"])
    measure_clock_start(
        incident=incident, measure="checklist_item", record=item, title=item.title, article=item.article
    )
    Timer.objects.filter(
        kind=TimerKind.MEASURE_OVERDUE, payload__record=item.pk, payload__step=1, cancelled_at__isnull=True
    ).update(fired_at=timezone.now(), outcome="step 1: notified 1")
    return item


def _countdown_for(page: str, label: str) -> str:
    pattern = re.escape(label) + r'[：\s]*<span class="countdown([^"]*)" data-due="([^"]+)"'
    match = re.search(pattern, page)
    assert match, f"no countdown for {label}"
    return match.group(1).strip() + "|" + match.group(2)


def test_an_overdue_measure_shows_overdue_at_its_own_due_time_on_the_page_and_the_board(web, org):
    incident = _fire(org)
    item = _overdue_roll_call(incident)
    due = timezone.localtime(item.due_at).isoformat()
    next_step = Timer.objects.get(
        kind=TimerKind.MEASURE_OVERDUE, payload__record=item.pk, payload__step=2, cancelled_at__isnull=True
    )

    page = web("supervisor").get(f"/incidents/{incident.pk}/").content.decode()
    box = page[page.index('id="h-clocks"') : page.index('id="h-clocks"') + 6000]
    assert _countdown_for(box, item.title) == f"overdue|{due}"  # not the next reminder's time
    assert "已超时" in box
    assert f"下次提醒 {timezone.localtime(next_step.due_at):%H:%M}" in box
    assert "逾期提醒）" not in box  # the reminder is no longer shown as if it were the measure

    board = web("supervisor").get("/").content.decode()
    card = board[board.index(f'data-incident="{incident.pk}"') :]
    card = card[: card.index("</article>")]
    assert _countdown_for(card, item.title) == f"overdue|{due}"
    assert f"下次提醒 {timezone.localtime(next_step.due_at):%H:%M}" in card
