"""The post-incident report, built from an incident walked through the services (DESIGN §6, Art. 19–21)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.errors import Conflict, Forbidden
from incidents.models import TimelineEntry
from reports import post_incident, selectors
from reports import services as report_services
from reports.models import CorrectiveAction, FinalReport

from .builders import complete_investigation, move, person, run_to_investigation

pytestmark = pytest.mark.django_db


def _add_action(org, incident, **extra):
    return report_services.corrective_action_add(
        incident_id=incident.pk,
        user=org["phone_lead"],
        data={
            "kind": "preventive",
            "title": "核心交换机改造为双机热备",
            "owner": person("phone_lead").pk,
            "due_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
            **extra,
        },
    )


def test_every_section_of_the_report_comes_from_the_record(org, api):
    incident = run_to_investigation(org, warned_in_advance=True, detected_minutes_ago=90)
    complete_investigation(org, incident)
    action = _add_action(org, incident)
    report_services.corrective_action_update(
        action_id=action.pk,
        user=org["phone_lead"],
        data={
            "status": "done",
            "closure_evidence": "变更单 CHG-1024",
            "retest": "passed",
            "retest_note": "切换演练通过",
        },
    )
    move(org, "gm", incident, "close", comment="结案")

    body = api("auditor").get(f"/api/v1/incidents/{incident.pk}/report/").json()
    c = body["content"]
    assert body["final"] is True
    # The hash is the SHA-256 of the canonical JSON of the content: anyone can recompute it.
    assert body["sha256"] == post_incident.report_hash(c) == FinalReport.objects.get(incident=incident).sha256

    # Overview, grade and evidence.
    assert c["incident"]["title"] == "核心系统中断导致热线无法接通"
    assert c["incident"]["plan"] == "phone" and c["incident"]["lead_group"] == "phone"
    assert c["incident"]["grade"] == "II"
    assert c["incident"]["grade_evidence"] == "接通率连续 3 个时段低于 40%"
    assert c["incident"]["state"] == "closed" and c["incident"]["times"]["closed"]
    # Early warning: declared before the event began — answered "in advance", with the evidence linked.
    assert c["early_warning"]["answer"] == "in_advance"
    assert c["early_warning"]["lead_minutes"] > 0
    assert [e["action"] for e in c["early_warning"]["evidence"]] == ["declare"]
    declare_entry = TimelineEntry.objects.get(incident=incident, action="declare")
    assert c["early_warning"]["evidence"][0]["hash"] == declare_entry.hash
    # Timeline from the first warning to termination (and the close), chained.
    actions = [e["action"] for e in c["timeline"]]
    assert actions[0] == "declare" and actions[-1] == "close"
    assert actions.index("report") < actions.index("activate") < actions.index("approve_termination")
    assert c["timeline_head"] == c["timeline"][-1]["hash"]
    # Decisions and approvals: who, when, why.
    activate = next(d for d in c["decisions"] if d["action"] == "activate")
    assert (
        activate["who"] and activate["why"] == "启动电话接通应急预案" and activate["details"]["grade"] == "II"
    )
    assert [(a["slot"], a["decision"], a["comment"]) for a in c["approvals"]] == [
        ("leadership", "approve", "同意终止")
    ]
    # Measures taken: the plan's checklist and the progress updates.
    assert any(m["evidence"] == "已通知技术支持 张工" and m["done_at"] for m in c["measures"])
    assert [u["text"] for u in c["progress_updates"]] == ["已启用 IVR 排队提示，二线支援一线"]
    # Regulator reporting.
    assert c["regulator"]["decision"] == "report" and c["regulator"]["decided_at"]
    assert [e["action"] for e in c["regulator"]["events"]] == ["regulator_decision", "regulator_submission"]
    # The deadlines the escalation app's regulator clock ran for this decision (phone report, …).
    assert [(d["kind"], d["outcome"]) for d in c["regulator"]["deadlines"]] == [
        ("regulator_phone_report", "met")
    ]
    # Findings: causes, consequences (duration computed from the record), Art. 21 / Art. 20.
    assert c["investigation"]["direct_cause"] == "核心交换机板卡故障"
    assert c["investigation"]["is_internal_cause"] is True
    assert c["consequences"]["customers_affected"] == 1234
    assert c["consequences"]["financial_loss"] == "5600.50"
    assert c["consequences"]["duration_minutes"] is not None
    assert c["consequences"]["answer_rate_source"] in ("manual", "monitoring")
    # Detected 90 minutes before the report: late (缓报) over the 60-minute threshold, pre-filled.
    assert c["findings"]["late_report"]["late"] is True and c["findings"]["late_report"]["finding"] is True
    assert c["findings"]["late_report"]["minutes"] >= 90
    assert c["findings"]["late_report"]["source"] == "escalation"  # the escalation app's flag, pre-filled
    assert c["findings"]["discipline"] == "通报批评" and c["findings"]["police_referral"] is False
    # Responsibilities, actions, lessons.
    assert [(r["name"], r["responsibility"]) for r in c["responsibilities"]] == [
        (person("agent").name, "direct"),
        ("网络运维外包商", "indirect"),
    ]
    assert c["actions"][0]["status"] == "done" and c["actions"][0]["retest"] == "passed"
    assert c["actions"][0]["closure_evidence"] == "变更单 CHG-1024"
    assert c["lessons"] == "关键网络设备必须冗余，并每季度切换演练"
    assert c["drill"] is None

    # The HTML page shows the same, in Chinese by default and in English on request.
    client = api("auditor")
    client.force_login(org["auditor"])
    page = client.get(f"/reports/incidents/{incident.pk}/").content.decode()
    assert "是：事件发生前已发出预警" in page and body["sha256"] in page and "核心交换机板卡故障" in page
    english = client.get(f"/reports/incidents/{incident.pk}/?lang=en").content.decode()
    assert "Yes: warned before the event began" in english
    # The filed report points into the hash chain: its timeline head is the close entry's hash.
    last = TimelineEntry.objects.filter(incident=incident).order_by("-seq").first()
    assert last.action == "close" and c["timeline_head"] == last.hash


def test_early_warning_after_the_event_started_is_not_in_advance(org):
    incident = run_to_investigation(org, warned_in_advance=False)
    content = post_incident.report_content(incident=incident)
    assert content["early_warning"]["answer"] == "not_in_advance"
    assert content["early_warning"]["lead_minutes"] <= 0
    # Reported within minutes of detection: not late, and the investigation starts from that.
    assert content["findings"]["late_report"]["late"] is False
    report_services.investigation_update(incident_id=incident.pk, user=org["gm"], data={"root_cause": "x"})
    assert incident.investigation.late_report is False


def test_close_needs_a_complete_investigation_then_freezes_the_report(org):
    incident = run_to_investigation(org, warned_in_advance=False)
    report_services.investigation_update(incident_id=incident.pk, user=org["gm"], data={"direct_cause": "x"})
    with pytest.raises(Exception, match="调查报告尚不完整"):
        move(org, "gm", incident, "close")
    complete_investigation(org, incident)
    move(org, "gm", incident, "close")
    final = FinalReport.objects.get(incident=incident)
    assert "核心交换机板卡故障" in final.html_zh and "Root cause" in final.html_en

    # Nothing is editable once closed: services refuse (409), and the database refuses behind their back.
    for write in (
        lambda: report_services.investigation_update(
            incident_id=incident.pk, user=org["gm"], data={"root_cause": "y"}
        ),
        lambda: _add_action(org, incident),
        lambda: report_services.responsible_person_add(
            incident_id=incident.pk, user=org["gm"], data={"name": "x", "responsibility": "direct"}
        ),
    ):
        with pytest.raises(Conflict):
            write()
    with pytest.raises(DatabaseError), transaction.atomic():
        FinalReport.objects.filter(pk=final.pk).update(sha256="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM reports_finalreport WHERE id = %s", [final.pk])


def test_permissions_auditor_reads_but_cannot_write(org, api):
    incident = run_to_investigation(org, warned_in_advance=False)
    # Not an investigator, not leader/deputy: refused. The named investigator and the deputy may write.
    with pytest.raises(Forbidden):
        report_services.investigation_update(
            incident_id=incident.pk, user=org["agent"], data={"root_cause": "x"}
        )
    with pytest.raises(Forbidden):
        report_services.investigation_update(
            incident_id=incident.pk, user=org["auditor"], data={"root_cause": "x"}
        )
    report_services.investigation_update(
        incident_id=incident.pk, user=org["supervisor"], data={"root_cause": "x"}
    )

    auditor = api("auditor")
    assert auditor.get(f"/api/v1/incidents/{incident.pk}/report/").status_code == 200
    refused = auditor.patch(
        f"/api/v1/incidents/{incident.pk}/investigation/", {"root_cause": "y"}, format="json"
    )
    assert refused.status_code == 403 and "审计" in refused.json()["detail"]
    refused = auditor.post(
        f"/api/v1/incidents/{incident.pk}/investigation/actions/",
        {"title": "t", "owner": person("agent").pk, "due_date": "2030-01-01"},
        format="json",
    )
    assert refused.status_code == 403
    # Bad input is a 400 with field errors, never a 500.
    bad = api("phone_lead").post(
        f"/api/v1/incidents/{incident.pk}/investigation/actions/", {"title": ""}, format="json"
    )
    assert bad.status_code == 400 and {"title", "owner", "due_date"} <= set(bad.json()["errors"])
    done_without_evidence = _add_action(org, incident)
    refused = api("phone_lead").patch(
        f"/api/v1/investigation-actions/{done_without_evidence.pk}/", {"status": "done"}, format="json"
    )
    assert refused.status_code == 400 and "closure_evidence" in refused.json()["errors"]


def test_writes_are_recorded_on_the_timeline(org):
    incident = run_to_investigation(org, warned_in_advance=False)
    before = TimelineEntry.objects.filter(incident=incident).count()
    complete_investigation(org, incident)
    action = _add_action(org, incident)
    report_services.corrective_action_update(
        action_id=action.pk, user=org["phone_lead"], data={"status": "in_progress"}
    )
    entries = list(TimelineEntry.objects.filter(incident=incident, seq__gt=before).order_by("seq"))
    assert [e.action for e in entries] == [
        "investigation_updated",
        "responsible_person_added",
        "responsible_person_added",
        "corrective_action_added",
        "corrective_action_updated",
    ]
    assert entries[0].payload["fields"]["direct_cause"] == "核心交换机板卡故障"
    assert all(e.actor_name for e in entries)


def test_an_overdue_action_reminds_its_owner_then_the_lead_then_the_deciders_once_each(org):
    """A corrective action is a measure on the one overdue clock (issue 13): overdue, the sweep reminds its
    owner, then the lead group's lead, then the leader and deputy — each once; only the owner (or the lead,
    or the Leadership Group) marks it done, which stops the clock."""
    from escalation import selectors as escalation_selectors
    from escalation import services as escalation_services
    from escalation.models import Notification, Timer, TimerKind

    incident = run_to_investigation(org, warned_in_advance=False)
    overdue = _add_action(
        org,
        incident,
        owner=person("agent").pk,
        due_date=(timezone.localdate() - timedelta(days=2)).isoformat(),
    )
    later = _add_action(org, incident)  # not yet due
    clock = Timer.objects.filter(
        kind=TimerKind.CORRECTIVE_ACTION_OVERDUE, payload__measure="corrective_action"
    )
    assert clock.get(payload__record=later.pk, payload__step=1).due_at == later.due_at > timezone.now()
    told = Notification.objects.filter(
        event="measure_overdue", channel="inbox", timer__payload__record=overdue.pk
    ).order_by("timer__payload__step", "id")
    escalation_services.timers_sweep()
    escalation_services.timers_sweep()  # safe to run twice: each step once
    assert sorted((n.timer.payload["step"], n.recipient.username) for n in told) == [
        (1, "agent"),
        (2, "phone_lead"),
        (3, "gm"),
        (3, "supervisor"),
    ]
    # The owner finds it in the in-app inbox, in the plan's words, with the page to complete it on.
    inbox = list(escalation_selectors.inbox_for(org["agent"]).filter(event="measure_overdue"))
    assert len(inbox) == 1 and "预案措施已逾期" in inbox[0].subject and "核心交换机" in inbox[0].subject
    assert f"/reports/incidents/{incident.pk}/" in inbox[0].body and "第十九条" in inbox[0].body
    assert list(selectors.overdue_actions()) == [overdue]
    with pytest.raises(Forbidden, match="周坐席"):  # building security is no owner: the reason names it
        report_services.corrective_action_update(
            action_id=overdue.pk, user=org["security_head"], data={"status": "done", "closure_evidence": "x"}
        )
    report_services.corrective_action_update(
        action_id=overdue.pk, user=org["agent"], data={"status": "done", "closure_evidence": "已完成"}
    )
    assert list(selectors.overdue_actions()) == []
    assert not clock.filter(payload__record=overdue.pk, fired_at=None, cancelled_at=None).exists()
    report_services.corrective_action_update(
        action_id=later.pk, user=org["phone_lead"], data={"status": "done", "closure_evidence": "已完成"}
    )
    assert set(clock.filter(payload__record=later.pk).values_list("outcome", flat=True)) == {"done"}


def test_the_report_page_forms_write_through_the_services(org, client):
    incident = run_to_investigation(org, warned_in_advance=False, detected_minutes_ago=90)
    client.force_login(org["phone_lead"])  # the named investigator
    # The report page links to the investigation form, which has a page of its own (issue 12).
    page = client.get(f"/reports/incidents/{incident.pk}/").content.decode()
    assert f'href="/reports/incidents/{incident.pk}/investigation-form/"' in page
    page = client.get(f"/reports/incidents/{incident.pk}/investigation-form/").content.decode()
    assert f'action="/reports/incidents/{incident.pk}/investigation/"' in page
    response = client.post(
        f"/reports/incidents/{incident.pk}/investigation/",
        {
            "direct_cause": "板卡故障",
            "root_cause": "无冗余",
            "is_internal_cause": "true",
            "late_report": "true",
        },
    )
    assert response.status_code == 302
    incident.investigation.refresh_from_db()
    assert (
        incident.investigation.direct_cause == "板卡故障" and incident.investigation.is_internal_cause is True
    )
    # A refused write comes back on the page with the errors beside the fields, never a 500.
    response = client.post(f"/reports/incidents/{incident.pk}/action/", {"title": ""})
    assert response.status_code == 400 and "请更正标出的字段" in response.content.decode()
    client.force_login(org["auditor"])
    page = client.get(f"/reports/incidents/{incident.pk}/").content.decode()
    assert "填写调查报告" not in page
    response = client.post(
        f"/reports/incidents/{incident.pk}/investigation/", {"root_cause": "x"}, follow=True
    )
    assert "审计人员只读" in response.content.decode()


def test_report_query_count_does_not_grow_with_the_record(org, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incidents import services as incident_services

    incident = run_to_investigation(org, warned_in_advance=False)
    complete_investigation(org, incident)
    client = api("auditor")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/incidents/{incident.pk}/report/").status_code == 200
        return len(queries)

    before = count()
    for item in incident.checklist.filter(done_at__isnull=True)[:4]:
        incident_services.checklist_item_complete(
            item_id=item.pk, user=org["supervisor"], data={"evidence": "ok"}
        )
    for n in range(5):
        incident_services.incident_add_update(
            incident_id=incident.pk, user=org["agent"], data={"text": f"进展 {n}"}
        )
    _add_action(org, incident)
    _add_action(org, incident)
    assert count() == before


def test_action_progress_and_drill_record_from_the_page(org, client):
    drill = run_to_investigation(org, warned_in_advance=False, is_drill=True)
    action = _add_action(org, drill)
    client.force_login(org["supervisor"])
    page = client.get(f"/reports/incidents/{drill.pk}/investigation-form/").content.decode()
    assert f"/reports/actions/{action.pk}/progress/" in page and "演练内容" in page
    response = client.post(
        f"/reports/actions/{action.pk}/progress/",
        {"status": "done", "closure_evidence": "变更单 CHG-1", "retest": "passed", "retest_note": ""},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done" and action.done_at and action.retest == "passed" and action.retested_at
    response = client.post(
        f"/reports/incidents/{drill.pk}/drill/",
        {
            "held_at": "2026-11-20 10:00",
            "content": "断网演练",
            "participants": [person("agent").pk, person("phone_lead").pk],
            "evaluation": "良好",
        },
    )
    assert response.status_code == 302
    assert {p.name for p in drill.drill_record.participants.all()} == {
        person("agent").name,
        person("phone_lead").name,
    }
    assert drill.drill_record.content == "断网演练"


@pytest.mark.parametrize(
    "path, body",
    [
        ("investigation/", {"financial_loss": "1e30", "is_internal_cause": {"x": 1}}),
        ("investigation/", {"customers_affected": -5}),
        ("investigation/responsible/", {"person": {"id": 1}, "responsibility": "both"}),
        ("investigation/actions/", {"owner": 999999, "due_date": "tomorrow", "kind": ["x"]}),
        ("drill/", {"participants": "nobody", "held_at": "yesterday"}),
    ],
)
def test_odd_input_is_a_clear_refusal_never_a_500(org, api, path, body):
    incident = run_to_investigation(org, warned_in_advance=False)
    response = api("gm").post(f"/api/v1/incidents/{incident.pk}/{path}", body, format="json")
    assert response.status_code in (400, 409), response.content
    assert response.json()["detail"]
    assert api("gm").post(f"/api/v1/incidents/999999/{path}", body, format="json").status_code == 404
    assert api("gm").patch("/api/v1/investigation-actions/999999/", {}, format="json").status_code == 404


def test_a_chinese_date_is_accepted_and_a_bad_one_keeps_the_form(org, client):
    """Issue 12: "2026年12月15日" typed into the due date is understood; a date that is not one is refused
    beside the field with everything typed kept."""
    incident = run_to_investigation(org, warned_in_advance=False)
    client.force_login(org["phone_lead"])
    owner = person("agent").pk
    response = client.post(
        f"/reports/incidents/{incident.pk}/action/",
        {"kind": "preventive", "title": "增加交换机冗余", "owner": owner, "due_date": "2026年12月15日"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CorrectiveAction.objects.get(title="增加交换机冗余").due_date.isoformat() == "2026-12-15"
    response = client.post(
        f"/reports/incidents/{incident.pk}/action/",
        {"kind": "preventive", "title": "演练切换流程", "owner": owner, "due_date": "明年年底"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "请输入有效日期，例如 2026-12-15 或 2026年12月15日。" in page
    assert 'value="演练切换流程"' in page and "明年年底" in page
    assert not CorrectiveAction.objects.filter(title="演练切换流程").exists()
