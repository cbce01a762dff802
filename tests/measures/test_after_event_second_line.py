"""Art. 18's after-event work and Art. 14 (1)'s "second line to the front" (issue 13), through the services,
the pages and the API: when each may be recorded, who may complete it, the overdue clock that outlives the
termination, the moved people's line on the roster and its end at the termination."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from core.errors import Conflict, Forbidden, Invalid
from escalation import services as escalation_services
from escalation.models import Notification, Timer, TimerKind
from incidents import policies
from incidents import services as incident_services
from incidents.models import ChecklistItem, Incident, State, TimelineEntry
from measures import services
from measures.models import FrontLineMove
from teams.models import Person
from teams.staff import staff_import_csv
from tests.incidents.lifecycle import body_for

pytestmark = pytest.mark.django_db

AFTER = TimerKind.AFTER_EVENT_OVERDUE


def _move(org, username: str, incident: Incident, name: str, **data) -> None:
    incident_services.incident_transition(
        incident_id=incident.pk, name=name, user=org[username], data={**body_for(name), **data}
    )


def _activated(org) -> Incident:
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={
            "title": "办公楼层火情",
            "category": "disaster",
            "detected_at": timezone.now() - timedelta(minutes=3),
        },
    )
    _move(org, "agent", incident, "report")
    _move(org, "gm", incident, "activate")
    return Incident.objects.get(pk=incident.pk)


def _terminated(org, incident: Incident | None = None) -> Incident:
    incident = incident or _activated(org)
    _move(org, "sudden_lead", incident, "execute")
    _move(org, "sudden_lead", incident, "request_termination")
    _move(org, "gm", incident, "approve_termination")
    _move(org, "security_head", incident, "approve_termination")
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.state == State.TERMINATED
    return incident


def _owner() -> Person:
    return Person.objects.get(user__username="agent")


def _after_event(org, incident: Incident, *, by: str = "sudden_lead", **extra) -> ChecklistItem:
    return services.after_event_record(
        incident_id=incident.pk,
        user=org[by],
        data={
            "measure": "restore_order",
            "detail": "恢复坐席正常排班",
            "owner": _owner().pk,
            "due_at": (timezone.now() + timedelta(hours=4)).isoformat(),
            **extra,
        },
    )


def _pending(item: ChecklistItem):
    return Timer.objects.filter(
        kind=AFTER,
        payload__measure="checklist_item",
        payload__record=item.pk,
        fired_at__isnull=True,
        cancelled_at__isnull=True,
    ).order_by("due_at")


def _actions(incident) -> list[str]:
    return list(
        TimelineEntry.objects.filter(incident=incident).order_by("seq").values_list("action", flat=True)
    )


# --- Art. 18: after the emergency ----------------------------------------------------------------------


def test_after_event_work_is_recorded_only_after_termination_until_the_close(org):
    incident = _activated(org)
    with pytest.raises(Conflict, match="终止后、结案前"):
        _after_event(org, incident)
    _terminated(org, incident)
    item = _after_event(org, incident)
    assert (item.code, item.article, item.owner, item.title) == (
        "restore_order",
        "第十八条",
        _owner(),
        "协助恢复正常秩序：恢复坐席正常排班",
    )
    assert _actions(incident)[-1] == "after_event_recorded"
    # the owner, then the lead group's lead, then the leader and deputy: the measure policy's three steps
    assert [t.payload["step"] for t in _pending(item)] == [1, 2, 3]
    assert _pending(item).first().due_at == item.due_at
    # the plan's own measures stopped being chased at the termination; the after-event clock runs
    assert not Timer.objects.filter(
        incident=incident, kind=TimerKind.MEASURE_OVERDUE, fired_at__isnull=True, cancelled_at__isnull=True
    ).exists()
    _move(org, "supervisor", incident, "investigate")
    with translation.override("en"):  # recorded by an English reader: the record stays in Chinese
        publicity = _after_event(org, incident, measure="positive_publicity", detail="")
    assert publicity.title == "协调正面宣传报道"
    assert _pending(item).count() == 3  # investigating keeps the clock too


@pytest.mark.parametrize(
    ("field", "value"),
    [("measure", "party"), ("owner", ""), ("due_at", "2020-01-01T08:00:00+08:00")],
)
def test_after_event_work_is_validated_field_by_field(org, field, value):
    incident = _terminated(org)
    with pytest.raises(Invalid) as refused:
        _after_event(org, incident, **{field: value})
    assert field in refused.value.detail
    assert not ChecklistItem.objects.filter(incident=incident, article="第十八条").exists()


def test_after_event_work_is_completed_by_its_owner_and_that_stops_the_clock(org):
    incident = _terminated(org)
    item = _after_event(org, incident)
    with pytest.raises(Forbidden, match="周坐席"):  # not the owner, not the lead, not the LG
        services.after_event_complete(item_id=item.pk, user=org["hq_office"], data={"evidence": "x"})
    with pytest.raises(Invalid):
        services.after_event_complete(item_id=item.pk, user=org["agent"], data={"evidence": ""})
    services.after_event_complete(item_id=item.pk, user=org["agent"], data={"evidence": "排班已恢复"})
    item.refresh_from_db()
    assert item.done_by == org["agent"] and item.evidence == "排班已恢复"
    assert not _pending(item).exists()
    assert set(
        Timer.objects.filter(
            kind=AFTER, payload__measure="checklist_item", payload__record=item.pk
        ).values_list("outcome", flat=True)
    ) == {"done"}
    with pytest.raises(Conflict):
        services.after_event_complete(item_id=item.pk, user=org["gm"], data={"evidence": "again"})


def test_an_overdue_after_event_measure_reminds_its_owner_then_escalates_each_once(org):
    incident = _terminated(org)
    item = _after_event(org, incident)
    for timer in _pending(item):
        Timer.objects.filter(pk=timer.pk).update(due_at=timezone.now() - timedelta(seconds=1))
        assert escalation_services.timer_fire(timer_id=timer.pk) == "fired"
        assert escalation_services.timer_fire(timer_id=timer.pk) == "done"  # never twice
    told = list(
        Notification.objects.filter(
            event="measure_overdue",
            channel="inbox",
            timer__payload__measure="checklist_item",
            timer__payload__record=item.pk,
        )
        .order_by("id")
        .values_list("recipient__username", flat=True)
    )
    assert told[0] == "agent"  # the owner first
    assert "sudden_lead" in told and {"gm", "supervisor"} <= set(told)
    assert len(told) == len(set(told))


def test_closing_the_case_ends_the_after_event_clock_and_refuses_new_work(org):
    from tests.reports.builders import complete_investigation

    incident = _terminated(org)
    item = _after_event(org, incident)
    _move(org, "supervisor", incident, "investigate")
    complete_investigation(org, incident, by="supervisor")
    _move(org, "gm", incident, "close")
    assert not _pending(item).exists()
    with pytest.raises(Conflict):
        _after_event(org, incident)


# --- Art. 14 (1): second line to the front -------------------------------------------------------------


def _second_line(name: str) -> Person:
    return Person.objects.get(name=name, line=Person.Line.SECOND)


def test_second_line_people_move_to_the_front_for_the_incident_and_go_back_at_termination(org):
    staff_import_csv(text="employee_no,name,phone,email,line,skills\nE2001,吕二线,13900000002,,second,质检\n")
    directory_person = _second_line("吕二线")
    incident = _activated(org)
    moves = services.second_line_move(
        incident_id=incident.pk,
        user=org["sudden_lead"],
        data={"people": [directory_person.pk, _second_line("杨七").pk], "note": "热线话务量激增"},
    )
    assert {m.person.name for m in moves} == {"吕二线", "杨七"}
    assert all(m.moved_by == org["sudden_lead"] and m.is_active for m in moves)
    assert _actions(incident)[-2:] == ["second_line_moved", "checklist_done"]  # ticks its checklist item
    # the person's own line is unchanged: the move is this incident's only
    directory_person.refresh_from_db()
    assert directory_person.line == Person.Line.SECOND
    with pytest.raises(Conflict, match="吕二线"):
        services.second_line_move(
            incident_id=incident.pk, user=org["sudden_lead"], data={"people": [directory_person.pk]}
        )
    _terminated(org, incident)
    ended = FrontLineMove.objects.filter(incident=incident)
    assert all(m.ended_at is not None and "terminated" in m.ended_reason for m in ended)
    assert "second_line_returned" in _actions(incident)
    with pytest.raises(Conflict):  # the plan is over: no more moves
        services.second_line_move(
            incident_id=incident.pk, user=org["sudden_lead"], data={"people": [directory_person.pk]}
        )


def test_only_second_line_staff_can_be_moved_and_moving_grants_no_rights(org):
    staff_import_csv(text="employee_no,name,phone,email,line,skills\nE2001,吕二线,13900000002,,second,质检\n")
    moved = _second_line("吕二线")
    moved.user = get_user_model().objects.create_user(username="lv", password="x")
    moved.save(update_fields=["user"])
    incident = _activated(org)
    first_line = Person.objects.get(user__username="agent")
    with pytest.raises(Invalid) as refused:
        services.second_line_move(
            incident_id=incident.pk, user=org["sudden_lead"], data={"people": [first_line.pk]}
        )
    assert "people" in refused.value.detail
    with pytest.raises(Forbidden):  # an auditor reads only
        services.second_line_move(incident_id=incident.pk, user=org["auditor"], data={"people": [moved.pk]})
    services.second_line_move(incident_id=incident.pk, user=org["sudden_lead"], data={"people": [moved.pk]})
    lv = get_user_model().objects.get(username="lv")
    assert not policies.may_act_on(incident, lv)
    with pytest.raises(Forbidden):
        services.second_line_move(
            incident_id=incident.pk, user=lv, data={"people": [_second_line("朱八").pk]}
        )


def test_the_roster_counts_moved_people_as_front_line_and_shows_it(org, client):
    incident = _activated(org)
    moved = _second_line("杨七")
    services.second_line_move(incident_id=incident.pk, user=org["sudden_lead"], data={"people": [moved.pk]})
    roster = services.roster_generate(
        incident_id=incident.pk, user=org["sudden_lead"], data={"starts_on": "2026-12-01", "period_days": "2"}
    )
    assert roster.assignments.get(person=moved).line == "second"  # the person's own line is kept
    client.force_login(org["sudden_lead"])
    page = client.get(f"/measures/{incident.pk}/roster/").content.decode()
    assert 'data-person="杨七" data-line="first"' in page
    assert "二线调入（本事件）" in page
    _terminated(org, incident)
    page = client.get(f"/measures/{incident.pk}/roster/").content.decode()
    assert 'data-person="杨七" data-line="second"' in page
    assert "调入一线已于" in page


# --- the API -------------------------------------------------------------------------------------------


def test_after_event_and_second_line_through_the_api(org, api):
    incident = _activated(org)
    base = f"/api/v1/incidents/{incident.pk}/measures"
    lead = api("sudden_lead")
    moved = lead.post(f"{base}/second-line/", {"people": [_second_line("朱八").pk]}, format="json")
    assert moved.status_code == 200, moved.content
    assert [row["person_name"] for row in moved.json()] == ["朱八"] and moved.json()[0]["is_active"]
    assert lead.post(f"{base}/second-line/", {"people": []}, format="json").status_code == 400
    body = {
        "measure": "positive_publicity",
        "owner": _owner().pk,
        "due_at": (timezone.now() + timedelta(hours=2)).isoformat(),
    }
    early = lead.post(f"{base}/after-event/", body, format="json")
    assert early.status_code == 409 and "终止后" in early.json()["detail"]
    _terminated(org, incident)
    recorded = lead.post(f"{base}/after-event/", body, format="json")
    assert recorded.status_code == 200, recorded.content
    item = recorded.json()
    assert (item["code"], item["owner_name"], item["is_done"]) == ("positive_publicity", "周坐席", False)
    done_url = f"{base}/after-event/{item['id']}/done/"
    assert api("hq_office").post(done_url, {"evidence": "x"}, format="json").status_code == 403
    done = api("agent").post(done_url, {"evidence": "已发布服务恢复公告"}, format="json")
    assert done.status_code == 200 and done.json()["is_done"]
    listed = lead.get(f"{base}/").json()
    assert [row["evidence"] for row in listed["after_event"]] == ["已发布服务恢复公告"]
    assert listed["second_line"][0]["ended_at"] is not None


def test_schema_documents_the_new_measures(api):
    schema = api("gm").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]

    def request_fields(path: str) -> set[str]:
        body = schema["paths"][path]["post"]["requestBody"]
        ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        return set(components[ref]["properties"])

    after_event = request_fields("/api/v1/incidents/{id}/measures/after-event/")
    assert after_event == {"measure", "detail", "owner", "due_at"}
    assert request_fields("/api/v1/incidents/{id}/measures/after-event/{item}/done/") == {"evidence"}
    assert request_fields("/api/v1/incidents/{id}/measures/second-line/") == {"people", "note"}
    answer = schema["paths"]["/api/v1/incidents/{id}/measures/second-line/"]["post"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"]["type"] == "array"
    measures = components["Measures"]["properties"]
    assert {"second_line", "after_event"} <= set(measures)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"people": "x"},
        {"people": [10**12]},
        {"people": {"a": 1}},
        {"measure": ["restore_order"], "owner": "abc", "due_at": "tomorrow"},
        {"measure": "restore_order", "owner": 10**12, "due_at": 5},
        {"evidence": "   "},
    ],
)
def test_bad_input_to_the_new_measures_is_a_400_or_409_never_a_500(org, api, body):
    incident = _terminated(org)
    item = _after_event(org, incident)
    base = f"/api/v1/incidents/{incident.pk}/measures"
    lead = api("sudden_lead")
    for path in ("second-line/", "after-event/", f"after-event/{item.pk}/done/"):
        response = lead.post(f"{base}/{path}", body, format="json")
        assert response.status_code in (400, 409), (path, response.status_code, response.content)
        assert response.json()["detail"]


# --- the timeline's text: the record in Chinese, each reader in their language (issue 12) --------------


def test_the_timeline_keeps_chinese_whoever_records_and_each_reader_reads_their_language(org, client):
    staff_import_csv(text="employee_no,name,phone,email,line,skills\nE2001,吕二线,13900000002,,second,质检\n")
    incident = _activated(org)
    with translation.override("en"):  # an English user moves people and records the after-event work
        services.second_line_move(
            incident_id=incident.pk,
            user=org["sudden_lead"],
            data={"people": [_second_line("吕二线").pk], "note": "话务激增"},
        )
        _terminated(org, incident)
        _after_event(org, incident)
    stored = dict(
        TimelineEntry.objects.filter(
            incident=incident,
            action__in=["second_line_moved", "second_line_returned", "after_event_recorded"],
        ).values_list("action", "comment")
    )
    assert stored["second_line_moved"] == "二线人员调入一线（第十四条（一））：吕二线。 话务激增"
    assert stored["second_line_returned"] == "事件状态为“已终止”，调入一线的二线人员恢复原岗位：吕二线。"
    assert stored["after_event_recorded"].startswith(
        "登记事后工作（第十八条）：协助恢复正常秩序：恢复坐席正常排班，责任人 周坐席"
    )

    client.force_login(org["gm"])
    chinese = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "二线人员调入一线（第十四条（一））：吕二线。 话务激增" in chinese
    assert "登记事后工作（第十八条）：协助恢复正常秩序：恢复坐席正常排班" in chinese
    client.post("/i18n/setlang/", {"language": "en"})
    english = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Second-line staff moved to the front line (Art. 14 (1)): 吕二线. 话务激增" in english
    assert "return to their own line: 吕二线." in english
    recorded = "After-event work recorded (Art. 18): Help restore normal order: 恢复坐席正常排班, owner"
    assert recorded in english
    assert "登记事后工作" not in english and "二线人员调入一线（" not in english


def test_an_after_event_title_with_a_detail_reads_in_the_readers_language(org, client):
    incident = _terminated(org)
    item = _after_event(org, incident)
    assert item.title == "协助恢复正常秩序：恢复坐席正常排班"  # the record
    client.force_login(org["sudden_lead"])
    client.post("/i18n/setlang/", {"language": "en"})
    page = client.get(f"/measures/{incident.pk}/after-event/").content.decode()
    assert "<td>Help restore normal order: 恢复坐席正常排班</td>" in page
    assert "协助恢复正常秩序" not in page
    page = client.get(f"/incidents/{incident.pk}/").content.decode()  # the incident's checklist
    assert "<td>Help restore normal order: 恢复坐席正常排班" in page
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    page = client.get(f"/measures/{incident.pk}/after-event/").content.decode()
    assert "协助恢复正常秩序：恢复坐席正常排班" in page


# --- who may: the lead group's lead or the Leadership Group, not a working group's members --------------

DIRECTORS_ONLY = "只有牵头工作小组组长或领导小组可以"


def test_an_agent_may_neither_move_second_line_staff_nor_record_after_event_work(org, client, api):
    incident = _activated(org)
    person = _second_line("朱八").pk
    assert policies.may_act_on(incident, org["agent"])  # a working group's member, in the response
    with pytest.raises(Forbidden, match=DIRECTORS_ONLY):
        services.second_line_move(incident_id=incident.pk, user=org["agent"], data={"people": [person]})
    base = f"/api/v1/incidents/{incident.pk}/measures"
    refused = api("agent").post(f"{base}/second-line/", {"people": [person]}, format="json")
    assert refused.status_code == 403 and "调二线人员进入一线" in refused.json()["detail"]
    client.force_login(org["agent"])
    page = client.get(f"/measures/{incident.pk}/roster/").content.decode()
    assert "second-line-form" not in page and "调二线人员进入一线" in page
    posted = client.post(f"/measures/{incident.pk}/roster/second-line/", {"people": [person]})
    assert posted.status_code == 403 and "调二线人员进入一线" in posted.content.decode()
    assert not FrontLineMove.objects.filter(incident=incident).exists()

    _terminated(org, incident)
    with pytest.raises(Forbidden, match=DIRECTORS_ONLY):
        _after_event(org, incident, by="agent")
    body = {"measure": "restore_order", "owner": _owner().pk, "due_at": _due()}
    refused = api("agent").post(f"{base}/after-event/", body, format="json")
    assert refused.status_code == 403 and "登记事后工作" in refused.json()["detail"]
    page = client.get(f"/measures/{incident.pk}/after-event/").content.decode()
    assert "after-event-form" not in page and DIRECTORS_ONLY in page
    posted = client.post(f"/measures/{incident.pk}/after-event/", body)
    assert posted.status_code == 403 and "登记事后工作。" in posted.content.decode()
    assert not ChecklistItem.objects.filter(incident=incident, article="第十八条").exists()


def _due() -> str:
    return (timezone.now() + timedelta(hours=4)).isoformat()


@pytest.mark.parametrize("who", ["sudden_lead", "gm"])
def test_the_lead_groups_lead_and_the_leadership_group_may(org, client, who):
    incident = _activated(org)
    client.force_login(org[who])
    assert "second-line-form" in client.get(f"/measures/{incident.pk}/roster/").content.decode()
    services.second_line_move(
        incident_id=incident.pk, user=org[who], data={"people": [_second_line("朱八").pk]}
    )
    _terminated(org, incident)
    assert "after-event-form" in client.get(f"/measures/{incident.pk}/after-event/").content.decode()
    assert _after_event(org, incident, by=who).title.startswith("协助恢复正常秩序")


def test_the_done_page_answers_only_for_an_item_of_that_incident_the_user_may_see(org, client):
    incident = _terminated(org)
    item = _after_event(org, incident)
    other = _activated(org)
    client.force_login(org["agent"])  # the owner
    wrong_incident = client.post(f"/measures/{other.pk}/after-event/{item.pk}/done/", {"evidence": "x"})
    assert wrong_incident.status_code == 404
    missing = client.post(f"/measures/{incident.pk}/after-event/{10**9}/done/", {"evidence": "x"})
    assert missing.status_code == 404
    stranger = get_user_model().objects.create_user(username="stranger", password="x")
    client.force_login(stranger)
    unseen = client.post(f"/measures/{incident.pk}/after-event/{item.pk}/done/", {"evidence": "x"})
    assert unseen.status_code == 404
    item.refresh_from_db()
    assert not item.is_done
    client.force_login(org["agent"])
    done = client.post(f"/measures/{incident.pk}/after-event/{item.pk}/done/", {"evidence": "排班已恢复"})
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.is_done and item.evidence == "排班已恢复"


def test_while_the_plan_runs_is_one_rule_for_measures_moves_and_the_checklist():
    """A guard against a second copy drifting: the measures' states are the incidents layer's, and a move
    ends exactly when the plan stops running (refactor: no behaviour changes, so this guards the sharing)."""
    from incidents.states import PLAN_RUNNING_STATES, plan_running
    from measures.services import front_line

    assert services.MEASURE_STATES is PLAN_RUNNING_STATES
    assert not hasattr(front_line, "ENDS_IN")
    assert [s for s in State.values if plan_running(s)] == ["activated", "executing", "termination_requested"]
