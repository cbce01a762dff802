"""The kind of sudden event in the browser (Art. 14): a fire declared on the form gets the fire's measures and
none of an epidemic's; the Leadership Group corrects the kind with a reason and the checklist follows (the
former kind's open measure withdrawn, struck out, never lost)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from incidents import services as incident_services
from incidents.models import Incident
from tests.browser.conftest import SHOTS_DIR, shot
from tests.incidents.lifecycle import body_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_fire_declared_on_the_form_shows_its_own_measures(login):
    supervisor = login("supervisor")
    supervisor.goto(f"{supervisor.base}/incidents/new/")
    supervisor.get_by_label("标题").fill("三楼机房起火")
    supervisor.get_by_label("事件类别").select_option("disaster")
    supervisor.get_by_label("突发事件种类").select_option(label="火灾")
    supervisor.get_by_role("button", name="登记").click()
    expect(supervisor.locator(".messages")).to_contain_text("事件已登记")
    incident = Incident.objects.get(title="三楼机房起火")
    assert incident.kind == "fire"

    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.all()}
    for username, name in (("agent", "report"), ("gm", "activate")):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=users[username], data=body_for(name)
        )

    gm = login("gm")
    gm.goto(f"{gm.base}/incidents/{incident.pk}/")
    expect(gm.locator("#facts")).to_contain_text("火灾")
    checklist = gm.locator("#checklist")
    expect(checklist).to_contain_text("火灾、盗抢时按安全通道疏散并点名")
    expect(checklist).to_contain_text("保障全行客户服务热线正常运行")  # common to every kind
    expect(checklist).not_to_contain_text("每周五彻底清洁消毒")
    expect(checklist).not_to_contain_text("发放抗病毒药品和营养品")
    shot(gm, "kind-fire-measures")

    # corrected to an epidemic, with a reason: the epidemic's measures come, the open evacuation goes
    form = gm.locator("#kind-form")
    gm.locator("summary", has_text="更正突发事件种类").click()
    form.get_by_label("突发事件种类").select_option(label="重大疾病疫情")
    form.get_by_role("button", name="更正").click()
    # no reason: refused, the error beside the field, the choice kept
    expect(form.locator(".errorlist")).to_contain_text("必填")
    expect(form.get_by_label("突发事件种类")).to_have_value("epidemic")
    assert Incident.objects.get(pk=incident.pk).kind == "fire"
    form.get_by_label("更正理由").fill("消防确认无火情，系疫情封控")
    form.get_by_role("button", name="更正").click()
    expect(gm.locator(".messages")).to_contain_text("已更正突发事件种类")
    expect(gm.locator("#checklist")).to_contain_text("每周五彻底清洁消毒")
    # the open evacuation is withdrawn, not lost: struck out, with when, who and why (issue 12)
    withdrawn = gm.locator("#checklist tr.withdrawn")
    expect(withdrawn).to_have_count(1)
    expect(withdrawn.locator("del")).to_contain_text(["火灾、盗抢时按安全通道疏散并点名"])
    expect(withdrawn).to_contain_text("已撤销")
    expect(withdrawn).to_contain_text("消防确认无火情，系疫情封控")
    struck = withdrawn.locator("del").first.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert struck == "line-through"
    expect(withdrawn.locator("form")).to_have_count(0)  # nothing to complete
    expect(gm.locator("ol.timeline")).to_contain_text("火灾 → 重大疾病疫情")
    shot(gm, "kind-corrected-epidemic")


@pytest.mark.parametrize("width", [390, 1366])
def test_a_refused_kind_correction_brings_the_field_error_into_view_and_focus(login, width):
    """A form page answered with errors (``form_page``, 400) is rendered from the top; the shared page script
    scrolls the first field in error into view and focuses it — on a phone the error is not 1,600 px below."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    users = {u.username: u for u in get_user_model().objects.all()}
    incident = incident_services.incident_declare(
        user=users["supervisor"],
        data={"title": "大堂火警", "category": "disaster", "kind": "fire", "detected_at": timezone.now()},
    )
    for username, name in (("agent", "report"), ("gm", "activate")):
        incident_services.incident_transition(
            incident_id=incident.pk, name=name, user=users[username], data=body_for(name)
        )
    gm = login("gm", width=width, height=900 if width > 400 else 844)
    gm.goto(f"{gm.base}/incidents/{incident.pk}/")
    gm.locator("summary", has_text="更正突发事件种类").click()
    form = gm.locator("#kind-form")
    form.get_by_label("突发事件种类").select_option(label="重大疾病疫情")
    form.get_by_role("button", name="更正").click()
    error = form.locator(".field.has-error .errorlist")
    expect(error).to_contain_text("必填")
    expect(error).to_be_in_viewport()
    reason = form.get_by_label("更正理由")
    expect(reason).to_be_focused()
    expect(reason).to_be_in_viewport()
    if SHOTS_DIR:  # what the user sees after the submit: the viewport, not the whole page
        gm.screenshot(path=f"{SHOTS_DIR}/kind-error-in-view-{width}.png")
