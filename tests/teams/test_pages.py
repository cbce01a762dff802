"""Login in both languages, the home page with the organisation, and every admin page loads."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from teams.models import Team, UserPreference

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default_and_english_on_request(client):
    assert "登录应急指挥台" in client.get("/accounts/login/").content.decode()
    english = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}, follow=True)
    assert "Sign in to the Emergency Desk" in english.content.decode()


def test_login_and_home_shows_the_organisation(client, org):
    response = client.post("/accounts/login/", {"username": "gm", "password": "demo-pass-2026"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "王建国" in page
    for heading in [
        "紧急事件应急处置领导小组",
        "电话接通应急工作小组",
        "重大投诉应急工作小组",
        "突发事件应急工作小组",
    ]:
        assert heading in page
    assert "组长（总经理）" in page and "大厦安全保卫负责人" in page and "法律事务管理部门" in page


def test_wrong_password_shows_an_error_in_chinese(client, org):
    page = client.post("/accounts/login/", {"username": "gm", "password": "nope"}).content.decode()
    assert "请输入一个正确的" in page


def test_language_choice_is_kept_per_user(client, org):
    client.force_login(org["agent"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert UserPreference.objects.get(user=org["agent"]).language == "en"
    client.logout()
    client.cookies.clear()
    home = client.post("/accounts/login/", {"username": "agent", "password": "demo-pass-2026"}, follow=True)
    assert "Leadership Group" in home.content.decode()


def admin_urls() -> list[str]:
    urls = ["/admin/"]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    return urls


def test_every_admin_page_loads(client, org, declare):
    declare()
    client.force_login(org["admin"])
    for url in admin_urls():
        response = client.get(url)
        assert response.status_code == 200, url
    team = Team.objects.get(code="phone")
    assert "张接通" in client.get(f"/admin/teams/team/{team.pk}/change/").content.decode()
