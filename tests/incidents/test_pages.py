"""The pages of the incidents app through Django's test client: what each user sees and may do, refusals as
messages (never a 500), and query counts that stay constant in the size of the timeline and the board."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services
from incidents.models import Incident, TimelineEntry
from teams.models import Team
from tests.incidents.lifecycle import body_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # seed_demo sets ten passwords; the production hasher would spend most of each test's setup on them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def web(client, org):
    def as_user(username: str):
        client.force_login(org[username])
        return client

    return as_user


def _declare(org, username: str = "supervisor", **fields) -> Incident:
    data = {
        "title": "核心系统中断",
        "category": "system_outage",
        "description": "坐席无法查询客户信息",
        "detected_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        **fields,
    }
    return services.incident_declare(user=org[username], data=data)


def _move(org, incident: Incident, username: str, name: str, **extra) -> Incident:
    return services.incident_transition(
        incident_id=incident.pk, name=name, user=org[username], data={**body_for(name), **extra}
    )


def test_board_shows_open_incidents_by_state_with_drill_mark(web, org):
    _declare(org, title="真实事件")
    drill = _declare(org, title="消防演练", category="disaster", is_drill=True)
    _move(org, drill, "agent", "report")
    page = web("supervisor").get("/").content.decode()
    assert "真实事件" in page and "消防演练" in page
    assert "演练</span>" in page
    assert "领导小组组长或副组长：决定是否启动" in page  # who must act next on the reported drill


def test_declare_form_shows_field_errors_in_chinese_and_english(web, org):
    client = web("supervisor")
    response = client.post("/incidents/new/", {"title": "", "category": "nope", "detected_at": "x"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "该字段是必填项。" in body and "输入一个有效的日期/时间。" in body
    client.post("/i18n/setlang/", {"language": "en"})
    body = client.post("/incidents/new/", {"title": "", "category": "system_outage"}).content.decode()
    assert "This field is required." in body


def test_declare_creates_incident_and_redirects_to_its_page(web, org):
    response = web("supervisor").post(
        "/incidents/new/",
        {
            "title": "IVR 中断",
            "category": "system_outage",
            "detected_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "is_drill": "on",
        },
        follow=True,
    )
    incident = Incident.objects.get(title="IVR 中断")
    assert incident.is_drill and incident.state == "monitoring"
    assert response.redirect_chain[-1][0] == f"/incidents/{incident.pk}/"
    assert "事件已登记" in response.content.decode()


def test_auditor_sees_no_write_controls_and_a_write_is_refused_as_a_message(web, org):
    incident = _declare(org)
    client = web("auditor")
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "审计人员只读" in page
    assert f"/incidents/{incident.pk}/do/" not in page and "update-add" not in page
    response = client.post(f"/incidents/{incident.pk}/do/report/", body_for("report"), follow=True)
    assert response.status_code == 200
    assert "操作被拒绝：审计人员只读" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).state == "monitoring"
    response = client.post(f"/incidents/{incident.pk}/updates/", {"text": "x"}, follow=True)
    assert "审计人员只读" in response.content.decode()


def test_second_decider_gets_a_conflict_message_not_an_error(web, org):
    incident = _declare(org)
    _move(org, incident, "agent", "report")
    prefix = f"i{incident.pk}-activate-"
    body = {prefix + k: v for k, v in body_for("activate").items()}
    first = web("gm").post(f"/inbox/{incident.pk}/activate/", body, follow=True)
    assert "已启动" in first.content.decode()
    body[prefix + "grade_evidence"] = "全行热线中断超过 30 分钟，影响约 300 名客户"
    second = web("supervisor").post(f"/inbox/{incident.pk}/activate/", body)
    page = second.content.decode()
    # The loser is told who decided what, when, with which grade — and gets back what they typed (issue 12).
    assert second.status_code == 409
    assert "有人已先一步处理" in page and "已有人先作出决定" in page
    assert f"#{incident.pk}" in page and "王建国" in page and "启动预案" in page
    assert "Ⅱ级" in page or "II" in page
    assert "全行热线中断超过 30 分钟，影响约 300 名客户" in page
    assert TimelineEntry.objects.filter(incident=incident, action="activate").count() == 1


def test_inbox_lists_only_what_waits_for_the_viewer(web, org):
    """Issue 12: the reporter's own report does not wait for them (four-eyes), so it is not in their
    inbox; the transition page still explains why they may not decide."""
    incident = _declare(org)
    _move(org, incident, "supervisor", "report")
    page = web("supervisor").get("/inbox/").content.decode()
    assert f'data-incident="{incident.pk}"' not in page
    assert "四眼原则" in web("supervisor").get(f"/incidents/{incident.pk}/do/activate/").content.decode()
    assert f"/inbox/{incident.pk}/activate/" in web("gm").get("/inbox/").content.decode()


def test_help_diagram_is_drawn_from_the_state_machine(web, org):
    page = web("agent").get("/help/").content.decode()
    field = Incident._meta.get_field("state")
    names = {t.name for t in field.get_all_transitions(Incident)}
    for name in names:
        assert f"edge-{name}" in page
    assert page.count('class="node ') == 9


def _timeline_of(org, size: int) -> Incident:
    incident = _declare(org)
    _move(org, incident, "agent", "report")
    _move(org, incident, "gm", "activate")
    for index in range(size - 3):
        services.incident_record_action(
            incident_id=incident.pk,
            user=org["phone_lead"],
            action="progress_update",
            comment=f"第 {index} 条",
        )
    assert TimelineEntry.objects.filter(incident=incident).count() == size
    return incident


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_incident_page_queries_do_not_grow_with_the_timeline(web, org):
    small, large = _timeline_of(org, 10), _timeline_of(org, 200)
    client = web("gm")
    _queries(client, f"/incidents/{small.pk}/")  # warm the session and the actor
    few = _queries(client, f"/incidents/{small.pk}/")
    many = _queries(client, f"/incidents/{large.pk}/")
    assert many == few, (few, many)
    assert "第 196 条" in client.get(f"/incidents/{large.pk}/").content.decode()


def test_board_queries_do_not_grow_with_the_number_of_incidents(web, org):
    client = web("supervisor")
    for index in range(3):
        incident = _declare(org, title=f"事件{index}")
        _move(org, incident, "agent", "report")
    _queries(client, "/")
    few = _queries(client, "/")
    for index in range(30):
        incident = _declare(org, title=f"更多事件{index}", category=["system_outage", "disaster"][index % 2])
        if index % 3 == 0:
            _move(org, incident, "agent", "report")
    many = _queries(client, "/")
    assert many == few, (few, many)


def test_english_switch_translates_the_pages(web, org):
    incident = _declare(org, category="disaster")
    _move(org, incident, "agent", "report")
    _move(org, incident, "gm", "activate")
    client = web("sudden_lead")
    client.post("/i18n/setlang/", {"language": "en"})
    assert "Live board" in client.get("/").content.decode()
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "What I can do" in page and "Start execution" in page and "Timeline" in page
    assert "A/B rotation roster" in client.get(f"/measures/{incident.pk}/roster/").content.decode()
    assert "Help: the incident lifecycle" in client.get("/help/").content.decode()


def test_the_report_form_keeps_the_incidents_category(web, org):
    incident = _declare(org, category="disaster")
    page = web("agent").get(f"/incidents/{incident.pk}/do/report/").content.decode()
    assert '<option value="disaster" selected>' in page


def test_timeline_text_is_escaped(web, org):
    incident = _declare(org, description='<script>alert("x")</script>')
    page = web("gm").get(f"/incidents/{incident.pk}/").content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_seeded_checklist_and_system_timeline_texts_read_in_english(web, org):
    """Issue 12: the plan's seeded measures and the texts the system writes on the timeline are stored in
    Chinese (the record) and shown in English to an English reader; the double colon is gone."""
    incident = _declare(org, category="disaster")
    _move(org, incident, "agent", "report")
    _move(org, incident, "gm", "activate")
    assert incident.checklist.filter(title="办公楼层实行封闭管理", article="第十四条（二）").exists()
    client = web("sudden_lead")
    client.post("/i18n/setlang/", {"language": "en"})
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Close the office floors to outsiders" in page and "Art. 14 (2)" in page
    assert "办公楼层实行封闭管理" not in page
    assert "needs the approval of: " in page and "needs the approval of: ：" not in page
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "办公楼层实行封闭管理" in page and "本预案终止须经：领导小组" in page


def test_regulator_choice_is_not_preselected_and_is_named_when_recorded(web, org):
    incident = _declare(org)
    _move(org, incident, "agent", "report")
    _move(org, incident, "gm", "activate")
    client = web("gm")
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert (
        'name="decision" value="report"' in page and "checked" not in page.split('id="regulator"')[1][:3000]
    )
    # No choice made: refused beside the field, the reason typed is kept.
    response = client.post(f"/incidents/{incident.pk}/regulator/", {"comment": "影响面有限"})
    page = response.content.decode()
    assert response.status_code == 400 and "请选择是否向监管部门报告。" in page and "影响面有限" in page
    response = client.post(
        f"/incidents/{incident.pk}/regulator/",
        {"decision": "no_report", "comment": "影响面有限"},
        follow=True,
    )
    page = response.content.decode()
    assert "已记录向监管部门报告的决定：决定不向监管部门报告。" in page
    assert "向监管部门报告的决定：决定不向监管部门报告" in page.split('class="timeline"')[1]


def test_top_bar_counts_what_waits_and_what_is_unread(web, org):
    incident = _declare(org)
    client = web("gm")
    page = client.get("/help/").content.decode()
    assert 'id="nav-waiting">待我审批</a>' in page  # nothing waits: no badge
    _move(org, incident, "agent", "report")
    page = client.get("/help/").content.decode()
    waiting = page.split('id="nav-waiting"')[1].split("</a>")[0]
    unread = page.split('id="nav-unread"')[1].split("</a>")[0]
    assert '<span class="unread-badge"' in waiting and ">1</span>" in waiting
    assert ">1</span>" in unread  # the at-once call to the Leadership Group
    board = client.get("/board/").content.decode()
    assert 'data-waiting-count="1"' in board and f"incident-{incident.pk}-" in board


def test_an_investigator_is_offered_the_investigation_page(web, org):
    incident = _declare(org)
    for username, name in (
        ("agent", "report"),
        ("gm", "activate"),
        ("phone_lead", "execute"),
        ("phone_lead", "request_termination"),
        ("gm", "approve_termination"),
    ):
        _move(org, incident, username, name)
    _move(org, incident, "gm", "investigate", investigators=[org["agent"].person.pk])
    client = web("agent")
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert f'href="/reports/incidents/{incident.pk}/investigation-form/"' in page
    assert "当前状态下没有对您开放的操作" not in page
    inbox = client.get("/inbox/").content.decode()
    assert f'data-investigation="{incident.pk}"' in inbox
    assert client.get(f"/reports/incidents/{incident.pk}/investigation-form/").status_code == 200


def test_inbox_queries_do_not_grow_with_the_cards(web, org):
    """Activation cards and termination cards (open measures, latest update, latest figures) alike."""

    def termination(title: str) -> None:
        incident = _declare(org, title=title)
        for username, name in (
            ("agent", "report"),
            ("gm", "activate"),
            ("phone_lead", "execute"),
            ("phone_lead", "request_termination"),
        ):
            _move(org, incident, username, name)
        services.incident_add_update(incident_id=incident.pk, user=org["phone_lead"], data={"text": "已恢复"})

    client = web("gm")
    _move(org, _declare(org, title="待决"), "agent", "report")
    termination("待批终止")
    _queries(client, "/inbox/")
    few = _queries(client, "/inbox/")
    for index in range(6):
        _move(org, _declare(org, title=f"更多待决{index}"), "agent", "report")
    for index in range(3):
        termination(f"更多待批终止{index}")
    many = _queries(client, "/inbox/")
    page = client.get("/inbox/").content.decode()
    assert page.count('<article class="card decision compact"') == 11
    assert many == few, (few, many)


def test_top_bar_waiting_count_stops_at_99_and_costs_the_same_queries(web, org):
    """The badge is on every page: counting what waits is one bounded query, so a backlog of reports
    (the benchmark's 12,500) neither slows every page nor adds queries — it reads "99+"."""
    client = web("gm")
    lead = Team.objects.get(code="phone")

    def nav() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/help/").content.decode()
        return page.split('id="nav-waiting"')[1].split("</a>")[0], len(captured)

    def reported(count: int) -> None:
        Incident.objects.bulk_create(
            Incident(title=f"待决定 {i}", category="system_outage", plan="phone", lead_group=lead,
                     detected_at=timezone.now() - timedelta(minutes=i), state="reported")
            for i in range(count)
        )  # fmt: skip

    reported(3)
    few, few_queries = nav()
    assert ">3</span>" in few
    reported(120)
    many, many_queries = nav()
    assert ">99+</span>" in many
    assert many_queries <= few_queries  # past 99 the measures awaiting a decision are not even asked


def test_the_forward_step_stands_out_and_the_stand_down_comes_after_it(web, org):
    """The walk: after declaring, "解除预警" came first in the same red as "上报领导小组". The step that
    carries the response forward comes first as the primary button; standing down is a secondary one."""
    incident = _declare(org)
    page = web("supervisor").get(f"/incidents/{incident.pk}/").content.decode()
    report = page.index(f'<a class="button" href="/incidents/{incident.pk}/do/report/">')
    dismiss = page.index(f'<a class="button secondary" href="/incidents/{incident.pk}/do/dismiss/">')
    assert report < dismiss
