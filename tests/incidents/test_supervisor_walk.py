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


def _checklist_row(page: str, item: ChecklistItem) -> str:
    start = page.index(item.title)
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


def test_measures_done_on_their_own_pages_tick_the_checklist_once_with_evidence(web, org):
    from measures import services as measure_services
    from teams.models import Person

    incident = _fire(org)
    items = {
        code: ChecklistItem.objects.get(incident=incident, code=code)
        for code in ("second_line_to_front", "ab_rotation", "evacuation_roll_call")
    }
    second = Person.objects.filter(line=Person.Line.SECOND).first()
    measure_services.second_line_move(
        incident_id=incident.pk, user=org["sudden_lead"], data={"people": [second.pk], "note": "话务激增"}
    )
    measure_services.roster_generate(
        incident_id=incident.pk, user=org["sudden_lead"], data={"starts_on": "2026-12-01", "period_days": "3"}
    )
    roll_call = measure_services.roll_call_start(
        incident_id=incident.pk, user=org["sudden_lead"], data={"assembly_point": "大厦东侧广场"}
    )
    assert ChecklistItem.objects.get(pk=items["evacuation_roll_call"].pk).done_at is None  # started ≠ done
    entries = list(roll_call.entries.all())
    for entry in entries:
        measure_services.roll_call_mark(entry_id=entry.pk, user=org["security_head"], data={"status": "safe"})
    # the roll call's item belongs to building security; the lead closing the roll call still completes it
    measure_services.roll_call_close(roll_call_id=roll_call.pk, user=org["sudden_lead"])

    done = {code: ChecklistItem.objects.get(pk=item.pk) for code, item in items.items()}
    assert all(item.done_at and item.done_by == org["sudden_lead"] for item in done.values())
    assert second.name in done["second_line_to_front"].evidence
    assert done["ab_rotation"].evidence.startswith("A/B轮换排班已生成")
    n = len(entries)
    assert done["evacuation_roll_call"].evidence == f"撤离点名已结束：应到 {n}，已清点 {n}，失联 0"
    for item in done.values():  # one timeline entry each, and the overdue clock stopped
        assert incident.timeline.filter(action="checklist_done", payload__item=item.pk).count() == 1
        assert not Timer.objects.filter(
            payload__record=item.pk,
            payload__measure="checklist_item",
            fired_at__isnull=True,
            cancelled_at__isnull=True,
        ).exists()

    page = web("sudden_lead").get(f"/incidents/{incident.pk}/").content.decode()
    row = _checklist_row(page, done["evacuation_roll_call"])
    assert "✓" in row and "撤离点名已结束" in row and "标记完成" not in row


def test_the_timeline_shows_the_newest_entry_first_and_prints_whole(web, org):
    from pathlib import Path

    from django.conf import settings

    incident = _fire(org)
    services.incident_add_update(
        incident_id=incident.pk, user=org["sudden_lead"], data={"text": "消防车已到达，正在灭火"}
    )
    page = web("supervisor").get(f"/incidents/{incident.pk}/").content.decode()
    timeline = page[page.index('<ol class="timeline"') :]
    timeline = timeline[: timeline.index("</ol>")]
    assert "最新在前" in page
    assert timeline.index("消防车已到达") < timeline.index("登记事件")  # newest above the oldest
    css = Path(settings.BASE_DIR, "static/css/desk.css").read_text()
    assert re.search(r"@media print \{ \.timeline \{ max-height:none; overflow:visible; \} \}", css)


def test_a_missing_incident_is_a_404_page_in_chinese_with_the_top_bar_and_a_link_home(web, org):
    response = web("supervisor").get("/incidents/99999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在（404）" in page and "Not Found" not in page
    assert 'class="topbar"' in page and 'href="/">返回指挥台</a>' in page


def test_the_500_page_stands_alone_without_a_request(settings):
    from django.template.loader import get_template

    page = get_template("500.html").render({})  # Django renders it with an empty context
    assert "服务器内部错误（500）" in page and 'href="/"' in page


def test_at_activation_each_measure_owner_is_told_once_of_their_measures(org):
    from escalation.models import Notification

    incident = _fire(org)
    told = Notification.objects.filter(
        incident=incident, event="measures_assigned", channel="inbox", recipient=org["security_head"]
    )
    assert told.count() == 1  # one message listing all their items, not one per item
    assert "疏散并点名" in told.get().body and "完成时限" in told.get().body
