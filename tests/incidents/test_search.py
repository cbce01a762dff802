"""Finding incidents (issue 12): the list page's search over titles, descriptions and progress updates, its
filters, sort and pages, its scope, its errors and its fixed query count."""

from __future__ import annotations

import re
from datetime import timedelta
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from incidents import services
from incidents.models import Incident
from incidents.plans import Category
from teams.models import Team

from .lifecycle import move

pytestmark = pytest.mark.django_db


def listed(client, query: str = "") -> list[int]:
    response = client.get(f"/incidents/?{query}")
    assert response.status_code == 200, response.content[:500]
    return [int(pk) for pk in re.findall(r'<tr data-incident="(\d+)"', response.content.decode())]


def closed_incident(api, declare, org, *, title: str, update: str) -> int:
    """An incident walked by the demo users to 事后调查, with one progress update on the way, then marked
    已结案 (closing needs a complete investigation report: the reports tests walk that step)."""
    pk = declare(title=title)["id"]
    for username, name in [("supervisor", "report"), ("gm", "activate"), ("phone_lead", "execute")]:
        assert move(api, username, pk, name).status_code == 200, name
    services.incident_add_update(incident_id=pk, user=org["phone_lead"], data={"text": update})
    for username, name in [
        ("phone_lead", "request_termination"),
        ("gm", "approve_termination"),
        ("gm", "investigate"),
    ]:
        assert move(api, username, pk, name).status_code == 200, name
    Incident.objects.filter(pk=pk).update(state="closed")
    return pk


def test_a_closed_incident_is_found_by_a_word_of_its_progress_updates(api, declare, org, client):
    pk = closed_incident(api, declare, org, title="话务系统故障", update="更换了机房的熔断器，线路恢复")
    declare(title="另一起事件", description="与熔断无关的描述")
    client.force_login(org["auditor"])
    assert listed(client, "q=熔断器") == [pk]
    assert listed(client, "q=熔断器&state=closed") == [pk]
    assert listed(client, "q=熔断器&state=open") == []
    assert pk not in listed(client, "q=不存在的词语")


def test_search_reads_titles_descriptions_single_characters_latin_words_and_numbers(declare, org, client):
    outage = declare(title="IVR 语音导航中断", description="电话银行无法转人工")["id"]
    fire = declare(title="大厦消防报警", description="三楼烟感触发", category="disaster")["id"]
    client.force_login(org["gm"])
    assert listed(client, "q=ivr") == [outage], "Latin words, any case, as a prefix"
    assert listed(client, "q=IV") == [outage]
    assert listed(client, "q=转人工") == [outage], "a word of the description"
    assert listed(client, "q=烟") == [fire], "a single character"
    assert listed(client, "q=消防+三楼") == [fire], "every word must be there"
    assert listed(client, "q=消防+语音") == []
    assert listed(client, f"q=%23{fire}") == [fire], "an incident number"


def test_filters_narrow_the_list(api, declare, org, client):
    drill = declare(title="演练：机房断电", is_drill=True)["id"]
    real = declare(title="机房断电", category="disaster")["id"]
    complaint = declare(title="群体投诉", category="business_dispute")["id"]
    assert move(api, "supervisor", real, "report").status_code == 200
    Incident.objects.filter(pk=complaint).update(detected_at="2025-01-10T02:00:00Z")
    client.force_login(org["gm"])
    assert set(listed(client, "drill=only")) == {drill}
    assert drill not in listed(client, "drill=exclude")
    assert listed(client, "state=reported") == [real]
    assert listed(client, "category=business_dispute") == [complaint]
    assert listed(client, "grade=II") == [real]
    assert listed(client, "detected_from=2025-01-01&detected_to=2025年1月31日") == [complaint]
    assert listed(client, "needs_me=on") == [real], "a report waits for the leader's decision"
    client.force_login(org["supervisor"])
    assert listed(client, "needs_me=on") == [], "four-eyes: the reporter is not asked to decide"
    client.force_login(org["auditor"])
    assert listed(client, "needs_me=on") == []


def test_sort_and_pages(declare, org, client):
    for n in range(27):
        declare(title=f"排序事件 {n:02d}")
    client.force_login(org["gm"])
    first = listed(client, "q=排序事件&sort=title")
    second = listed(client, "q=排序事件&sort=title&page=2")
    assert len(first) == 25 and len(second) == 2
    titles = list(
        Incident.objects.filter(pk__in=first + second).order_by("title").values_list("pk", flat=True)
    )
    assert first + second == titles
    page = client.get("/incidents/?q=排序事件&sort=title").content.decode()
    assert "第 1 / 2 页" in page and 'rel="next"' in page


def test_bad_dates_are_refused_beside_the_field_in_the_users_language(org, client):
    client.force_login(org["gm"])
    response = client.get("/incidents/?detected_from=2026-05-02&detected_to=2026-05-01")
    assert response.status_code == 400
    assert "结束日期不能早于开始日期。" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en"})
    response = client.get("/incidents/?detected_from=2026-05-02&detected_to=2026-05-01")
    assert response.status_code == 400
    assert "The end date cannot be before the start date." in response.content.decode()
    response = client.get("/incidents/?detected_to=yesterday&q=x")
    assert response.status_code == 400 and "Enter a valid date." in response.content.decode()


def test_people_outside_the_organisation_find_nothing(declare, client, django_user_model):
    declare(title="机房断电")
    stranger = django_user_model.objects.create_user("stranger", password="x" * 12)
    client.force_login(stranger)
    assert listed(client, "q=断电") == []


def test_the_list_costs_the_same_queries_for_3_rows_and_25(org, client):
    phone = Team.objects.get(code="phone")

    def make(count: int) -> None:
        Incident.objects.bulk_create(
            Incident(title=f"查询次数 {i}", category="system_outage", plan="phone", lead_group=phone,
                     detected_at="2026-11-01T00:00:00Z")
            for i in range(count)
        )  # fmt: skip

    client.force_login(org["gm"])

    def queries(query: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/incidents/?{query}").status_code == 200
        return len(captured)

    make(3)
    few = [queries(""), queries("q=查询次数&needs_me=on&state=open"), queries("q=查询次数")]
    make(40)
    many = [queries(""), queries("q=查询次数&needs_me=on&state=open"), queries("q=查询次数")]
    assert len(listed(client, "q=查询次数")) == 25
    assert few == many


def test_the_top_bar_count_is_the_inbox_length_for_every_role(api, declare, org):
    """The badge counts in SQL (one capped sub-select per condition) what the inbox lists item by item: a
    report to decide, a termination approval whose slot is still open, neither for their own request."""
    from incidents.selectors import decisions_waiting_count, decisions_waiting_for

    from .lifecycle import move

    reported = declare(title="待决定的报告")["id"]
    assert move(api, "agent", reported, "report").status_code == 200
    terminating = declare(title="待批准终止", category="disaster")["id"]
    for username, name in (
        ("agent", "report"),
        ("gm", "activate"),
        ("sudden_lead", "execute"),
        ("sudden_lead", "request_termination"),
        ("gm", "approve_termination"),  # the leadership slot filled: only building security still waits
    ):
        assert move(api, username, terminating, name).status_code == 200, name
    expected = {"gm": 1, "supervisor": 1, "security_head": 1, "sudden_lead": 0, "auditor": 0, "agent": 0}
    for username, count in expected.items():
        user = org[username]
        assert decisions_waiting_count(user=user) == len(decisions_waiting_for(user=user)) == count, username


def test_rows_show_titles_as_typed_and_labels_in_the_readers_language(declare, org, client):
    """The rows are built outside the template engine (issue 12 profile): what was typed is still shown as
    text, never as markup, and every label follows the reader's language."""
    pk = declare(title='<script>alert("x")</script> & 机房', is_drill=True, category="disaster")["id"]
    client.force_login(org["gm"])
    page = client.get("/incidents/").content.decode()
    assert f'<tr data-incident="{pk}">' in page
    assert "<script>alert" not in page
    assert f"#{pk} &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 机房</a>" in page
    assert '<span class="badge drill">演练</span>' in page and 'data-label="状态"' in page
    client.post("/i18n/setlang/", {"language": "en"})
    page = client.get("/incidents/").content.decode()
    assert '<span class="badge drill">Drill</span>' in page and 'data-label="State"' in page
    row = page.split(f'<tr data-incident="{pk}">')[1].split("</tr>")[0]
    with translation.override("en"):
        english = escape(str(Category.DISASTER.label))
    with translation.override("zh-hans"):
        assert english != escape(str(Category.DISASTER.label))
    assert f'data-label="Category">{english}</td>' in row


def test_the_top_bar_count_follows_a_new_role_at_once(api, declare, org, django_user_model):
    """The badge's SQL is kept per user and roles: someone made deputy leader sees the reports waiting for
    a decision on their next page, and no longer once the role is taken away."""
    from incidents.selectors import decisions_waiting_count
    from teams.models import ActingLeader, Person

    reported = declare(title="待决定的报告")["id"]
    assert move(api, "agent", reported, "report").status_code == 200

    def count() -> int:
        return decisions_waiting_count(user=django_user_model.objects.get(pk=org["sudden_lead"].pk))

    assert count() == 0
    acting = ActingLeader.objects.create(
        person=Person.objects.get(user=org["sudden_lead"]),
        acts_for=ActingLeader.Role.DEPUTY,
        acts_for_person=Person.objects.get(user=org["supervisor"]),
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=timezone.now() + timedelta(hours=8),
        reason="副组长休假",
        appointed_by=org["gm"],
    )
    assert count() == 1, "acting for the deputy: reports wait for them too"
    ActingLeader.objects.filter(pk=acting.pk).update(ended_at=timezone.now())
    assert count() == 0, "the period ended early: nothing waits for them any more"
