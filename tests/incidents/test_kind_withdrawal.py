"""Issue 12, the auditor's view: a kind correction never loses a record. The open measures the new kind no
longer asks for are withdrawn — kept, with their owner and due time, and when, by whom and why — their clocks
stop, they count nowhere as open and cannot be completed; corrected back, the same row is reinstated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalation import services as escalation_services
from escalation.models import Notification, Timer, TimerKind
from incidents import selectors, services
from incidents.models import ChecklistItem, Incident, TimelineEntry
from incidents.services.acting import incident_action

from .lifecycle import move

pytestmark = pytest.mark.django_db

EVACUATION = "evacuation_roll_call"
EVACUATION_TITLE = "火灾、盗抢时按安全通道疏散并点名（会同大厦物业和保安）"
EPIDEMIC_ONLY = {"closed_management", "friday_disinfection", "medicine_supplements"}
REASON = "现场核实：系大楼供电故障，无明火"


def _activated(api, declare, kind: str = "fire") -> int:
    pk = declare("supervisor", category="disaster", title="办公区火情", kind=kind)["id"]
    assert move(api, "agent", pk, "report").status_code == 200
    assert move(api, "gm", pk, "activate").status_code == 200
    return pk


def _correct(api, pk: int, kind: str, reason: str = REASON) -> None:
    response = api("gm").post(
        f"/api/v1/incidents/{pk}/kind/", {"kind": kind, "reason": reason}, format="json"
    )
    assert response.status_code == 200, response.content


def _clock(item_id: int):
    return Timer.objects.filter(
        kind=TimerKind.MEASURE_OVERDUE, payload__measure="checklist_item", payload__record=item_id
    )


def _pending(item_id: int):
    return _clock(item_id).filter(fired_at__isnull=True, cancelled_at__isnull=True)


def test_a_withdrawn_measure_survives_with_its_owner_due_time_and_who_when_why(api, declare, org):
    pk = _activated(api, declare)
    evacuation = ChecklistItem.objects.select_related("owner").get(incident_id=pk, code=EVACUATION)
    before = timezone.now()
    _correct(api, pk, "power_cut")

    item = ChecklistItem.objects.get(pk=evacuation.pk)  # still there: never deleted
    assert item.withdrawn_at is not None and item.withdrawn_at >= before
    assert item.withdrawn_by == org["gm"] and item.withdrawn_reason == REASON
    assert (item.owner_id, item.due_at, item.title) == (
        evacuation.owner_id,
        evacuation.due_at,
        EVACUATION_TITLE,
    )
    assert item.done_at is None and not item.is_open
    # the API carries it, with when and why
    row = next(
        i for i in api("auditor").get(f"/api/v1/incidents/{pk}/checklist/").json() if i["id"] == evacuation.pk
    )
    assert row["withdrawn_at"] is not None and row["withdrawn_reason"] == REASON
    assert row["withdrawn_by"] == org["gm"].pk
    # the timeline says what was withdrawn, when and why (the same instant as the row)
    entry = TimelineEntry.objects.get(incident_id=pk, action="kind_corrected")
    assert entry.payload["withdrawn_ids"] == [evacuation.pk] and entry.payload["withdrawn"] == [
        EVACUATION_TITLE
    ]
    assert entry.at == item.withdrawn_at and entry.payload["reason"] == REASON
    # ... and as the item stood: its owner and due time, in the record itself
    [recorded] = entry.payload["withdrawn_items"]
    assert (recorded["id"], recorded["owner_id"], recorded["due_at"]) == (
        evacuation.pk,
        evacuation.owner_id,
        evacuation.due_at.isoformat(),
    )


def test_a_withdrawn_measure_clock_no_longer_fires(api, declare):
    pk = _activated(api, declare)
    evacuation = ChecklistItem.objects.get(incident_id=pk, code=EVACUATION)
    steps = list(_pending(evacuation.pk))
    assert len(steps) == 3
    _correct(api, pk, "power_cut")
    assert not _pending(evacuation.pk).exists()
    assert set(_clock(evacuation.pk).values_list("outcome", flat=True)) == {"withdrawn"}

    # every step falls due: the sweep tells nobody
    _clock(evacuation.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    escalation_services.timers_sweep()
    assert not _clock(evacuation.pk).filter(fired_at__isnull=False).exists()
    # and a step left pending by any path (here: un-cancelled by hand) finds no open measure to chase
    _clock(evacuation.pk).update(cancelled_at=None, outcome="")
    escalation_services.timers_sweep()
    told = Notification.objects.filter(
        event="measure_overdue",
        timer__payload__measure="checklist_item",
        timer__payload__record=evacuation.pk,
    )
    assert not told.exists()


def test_correcting_the_kind_back_reinstates_the_same_item_with_a_fresh_clock(api, declare):
    pk = _activated(api, declare)
    evacuation = ChecklistItem.objects.get(incident_id=pk, code=EVACUATION)
    _correct(api, pk, "epidemic")
    epidemic = {i.code: i.pk for i in ChecklistItem.objects.filter(incident_id=pk, code__in=EPIDEMIC_ONLY)}
    assert set(epidemic) == EPIDEMIC_ONLY
    withdrawn = ChecklistItem.objects.get(pk=evacuation.pk)

    before = timezone.now()
    _correct(api, pk, "fire", reason="复核：确为火情")
    rows = ChecklistItem.objects.filter(incident_id=pk, code=EVACUATION)
    assert [r.pk for r in rows] == [evacuation.pk]  # reinstated, not duplicated
    item = rows.get()
    assert item.is_open and item.withdrawn_by is None and item.withdrawn_reason == ""
    template_minutes = item.template_item.due_after_minutes
    assert (
        before + timedelta(minutes=template_minutes)
        <= item.due_at
        <= timezone.now() + timedelta(minutes=template_minutes)
    )  # due from now
    steps = list(_pending(item.pk).order_by("due_at"))
    assert len(steps) == 3 and steps[0].due_at == item.due_at  # its clock restarted, counted from the new due
    # the epidemic's measures are withdrawn in turn, their clocks stopped
    for code, item_id in epidemic.items():
        assert ChecklistItem.objects.get(pk=item_id).withdrawn_reason == "复核：确为火情", code
        assert not _pending(item_id).exists()
    entry = TimelineEntry.objects.filter(incident_id=pk, action="kind_corrected").order_by("-seq").first()
    assert entry.payload["reinstated"] == [EVACUATION_TITLE] and entry.payload["reinstated_ids"] == [item.pk]
    assert entry.payload["added"] == []
    assert "恢复此前撤销的措施：" + EVACUATION_TITLE in entry.comment
    # the record keeps what reinstating overwrote: the earlier due time and the withdrawal
    [recorded] = entry.payload["reinstated_items"]
    assert recorded["previous_due_at"] == evacuation.due_at.isoformat()
    assert recorded["due_at"] == item.due_at.isoformat()
    assert recorded["withdrawn_at"] == withdrawn.withdrawn_at.isoformat()
    assert recorded["withdrawn_reason"] == withdrawn.withdrawn_reason

    # and back to the epidemic once more: the same three rows come back, none added
    _correct(api, pk, "epidemic", reason="再次更正")
    assert ChecklistItem.objects.filter(incident_id=pk, code__in=EPIDEMIC_ONLY).count() == 3
    assert (
        set(ChecklistItem.objects.open().filter(incident_id=pk).values_list("code", flat=True))
        >= EPIDEMIC_ONLY
    )
    assert ChecklistItem.objects.get(pk=evacuation.pk).is_withdrawn


def test_withdrawn_measures_are_not_counted_as_open_anywhere(api, declare, client, org):
    pk = _activated(api, declare)
    deadlines = api("auditor").get(f"/api/v1/incidents/{pk}/").json()["deadlines"]
    assert [d for d in deadlines if d["label"] == EVACUATION_TITLE]  # while it stands, it has its deadline
    _correct(api, pk, "power_cut")
    incident = Incident.objects.get(pk=pk)
    evacuation = ChecklistItem.objects.get(incident_id=pk, code=EVACUATION)

    open_items = selectors.termination_evidence(incidents=[incident])[pk]["open_items"]
    assert open_items and evacuation not in open_items  # the approver's inbox card
    assert evacuation not in ChecklistItem.objects.open()
    # the deadlines of the page, the board and the API: no entry for the withdrawn measure
    deadlines = api("auditor").get(f"/api/v1/incidents/{pk}/").json()["deadlines"]
    assert deadlines and not [d for d in deadlines if d["label"] == EVACUATION_TITLE]
    # the termination request's warning lists the open measures only
    assert move(api, "sudden_lead", pk, "execute").status_code == 200
    client.force_login(org["sudden_lead"])
    page = client.get(f"/incidents/{pk}/do/request_termination/").content.decode()
    warning = page.split('class="notice open-items"')[1].split("</div>")[0]
    assert "按安全通道疏散" not in warning and "<li>" in warning
    # a measure carried out on its own page (closing the roll call) ticks no withdrawn item
    with incident_action(pk, user=org["sudden_lead"]) as act:
        assert services.checklist_item_done_by_measure(act, EVACUATION, evidence="点名结束") is None
    assert ChecklistItem.objects.get(pk=evacuation.pk).done_at is None


def test_completing_a_withdrawn_measure_is_refused_with_a_409_naming_the_withdrawal(
    api, declare, client, org
):
    pk = _activated(api, declare)
    evacuation = ChecklistItem.objects.get(incident_id=pk, code=EVACUATION)
    _correct(api, pk, "power_cut")
    refused = api("sudden_lead").post(
        f"/api/v1/incidents/{pk}/checklist/{evacuation.pk}/done/", {"evidence": "已疏散"}, format="json"
    )
    assert refused.status_code == 409, refused.content
    assert "撤销" in refused.json()["detail"] and REASON in refused.json()["detail"]
    assert ChecklistItem.objects.get(pk=evacuation.pk).done_at is None
    # the page refuses it too, and offers no completion control for it
    client.force_login(org["sudden_lead"])
    response = client.post(
        f"/checklist/{evacuation.pk}/done/", {"incident": pk, "evidence": "已疏散"}, follow=True
    )
    assert "撤销" in response.content.decode()
    assert ChecklistItem.objects.get(pk=evacuation.pk).done_at is None
    assert (
        f'action="/checklist/{evacuation.pk}/done/"' not in client.get(f"/incidents/{pk}/").content.decode()
    )


def _checklist_section(page: str) -> str:
    return page.split('id="checklist"')[1].split("</section>")[0]


def test_the_page_shows_a_withdrawn_measure_struck_out_with_when_who_why_in_chinese_and_english(
    api, declare, client, org
):
    pk = _activated(api, declare, kind="epidemic")
    client.force_login(org["gm"])
    url = f"/incidents/{pk}/"
    client.get(url)  # warm the session and the actor

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    _correct(api, pk, "fire", reason="复核：确为火情")  # three epidemic measures withdrawn
    assert queries() == before  # the withdrawn rows cost no query of their own

    withdrawn = ChecklistItem.objects.get(incident_id=pk, code="friday_disinfection")
    when = timezone.localtime(withdrawn.withdrawn_at).strftime("%m-%d %H:%M")
    section = _checklist_section(client.get(url).content.decode())
    row = (
        section.split("每周五彻底清洁消毒")[0].rsplit("<tr", 1)[1]
        + section.split("每周五彻底清洁消毒")[1].split("</tr>")[0]
    )
    assert 'class="withdrawn"' in row and "<del>" in row
    gm_name = org["gm"].person.name
    assert f"已撤销 · {when} · {gm_name} · 复核：确为火情" in row
    assert section.count('class="withdrawn"') == 3

    client.post("/i18n/setlang/", {"language": "en"})
    section = _checklist_section(client.get(url).content.decode())
    assert f"Withdrawn · {when} · {gm_name} · 复核：确为火情" in section  # the reason as typed
    assert section.count("<del>") >= 3 and "已撤销" not in section


def test_the_post_incident_report_lists_a_withdrawn_measure_as_withdrawn(api, declare, client, org):
    pk = _activated(api, declare)
    _correct(api, pk, "power_cut")
    measures = api("auditor").get(f"/api/v1/incidents/{pk}/report/").json()["content"]["measures"]
    row = next(m for m in measures if m["title"] == EVACUATION_TITLE)
    assert row["withdrawn_at"] and row["withdrawn_reason"] == REASON and row["done_at"] is None
    assert row["withdrawn_by"] == org["gm"].person.name
    client.force_login(org["auditor"])
    page = client.get(f"/reports/incidents/{pk}/").content.decode()
    measures_html = page.split('id="measures"')[1].split("</section>")[0]
    assert '<tr class="withdrawn">' in measures_html and f"撤销原因：{REASON}" in measures_html


def test_a_weekly_disinfection_next_occurrence_keeps_its_kind_and_is_withdrawn_with_it(api, declare, org):
    """Art. 14 (2): the Friday disinfection's next occurrence is the epidemic's too, so a correction to a fire
    withdraws it (it used to come back untagged, as if common to every kind); the done one stays done."""
    pk = _activated(api, declare, kind="epidemic")
    first = ChecklistItem.objects.get(incident_id=pk, code="friday_disinfection")
    done = api("sudden_lead").post(
        f"/api/v1/incidents/{pk}/checklist/{first.pk}/done/", {"evidence": "已消毒"}, format="json"
    )
    assert done.status_code == 200, done.content
    following = ChecklistItem.objects.open().get(incident_id=pk, code="friday_disinfection")
    assert following.kinds == ["epidemic"]
    _correct(api, pk, "fire")
    assert ChecklistItem.objects.get(pk=following.pk).is_withdrawn
    assert (
        ChecklistItem.objects.get(pk=first.pk).is_done
        and not ChecklistItem.objects.get(pk=first.pk).is_withdrawn
    )
    # back to the epidemic: the next occurrence is reinstated, not a third row
    _correct(api, pk, "epidemic")
    assert ChecklistItem.objects.filter(incident_id=pk, code="friday_disinfection").count() == 2
    assert ChecklistItem.objects.get(pk=following.pk).is_open


def test_an_english_reader_reads_the_reinstatement_in_english(api, declare, client, org):
    pk = _activated(api, declare)
    _correct(api, pk, "epidemic")
    _correct(api, pk, "fire", reason="复核")
    client.force_login(org["gm"])
    client.post("/i18n/setlang/", {"language": "en"})
    page = client.get(f"/incidents/{pk}/").content.decode()
    assert "Withdrawn measures reinstated:" in page and "Open measures withdrawn:" in page


def test_a_correction_recorded_before_withdrawal_existed_still_says_its_measures_were_removed():
    """Entries written when a correction deleted the other kinds' open items (payload ``removed``) must not
    tell an English-reading auditor those items were withdrawn (and so should be found struck out)."""
    from django.utils import translation

    from incidents import presentation

    payload = {"from": "fire", "to": "power_cut", "reason": "现场核实", "added": [], "removed": ["X"]}
    with translation.override("en"):
        text = presentation.kind_correction_text(payload)
    assert "Open measures removed: X." in text and "withdrawn" not in text
