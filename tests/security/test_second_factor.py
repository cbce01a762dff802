"""A second factor for decisions (issue 16): refused without it (page and API), accepted with a valid TOTP
code, a replayed code refused, step-up after the configured time, recovery codes once each, the admin."""

from __future__ import annotations

import re
import time

import pytest
from django.core.checks import run_checks
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.models import Incident
from security.second_factor import VERIFIED_AT
from tests.incidents.lifecycle import body_for, move

pytestmark = [pytest.mark.django_db, pytest.mark.second_factor]


def code(device: TOTPDevice, steps: int = 0) -> str:
    """The code the authenticator app shows now (or ``steps`` periods later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


@pytest.fixture
def reported(api, declare) -> int:
    pk = declare()["id"]
    assert move(api, "agent", pk, "report").status_code == 200
    return pk


def state(pk: int) -> str:
    return Incident.objects.get(pk=pk).state


def test_activation_without_a_second_factor_is_refused_with_a_clear_message(org, api, client, reported):
    response = move(api, "gm", reported, "activate")
    assert response.status_code == 403
    assert "绑定验证器" in response.json()["detail"]  # no device yet: told where to enrol
    enrol(org["gm"])
    response = move(api, "gm", reported, "activate")
    assert response.status_code == 403 and "X-OTP-Code" in response.json()["detail"]

    client.force_login(org["gm"])
    page = client.post(f"/incidents/{reported}/do/activate/", body_for("activate"), follow=True)
    assert page.redirect_chain[-1][0].startswith("/security/verify/?next=")
    assert "二次验证" in page.content.decode()
    assert state(reported) == "reported"


def test_a_valid_code_decides_and_a_replayed_code_is_refused(org, api, declare, reported):
    device = enrol(org["gm"])
    now = code(device)
    response = move(api, "gm", reported, "activate", **{})
    assert response.status_code == 403
    client = api("gm")
    client.credentials(HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"], HTTP_X_OTP_CODE=now)
    ok = client.post(
        f"/api/v1/incidents/{reported}/transitions/activate/", body_for("activate"), format="json"
    )
    assert ok.status_code == 200, ok.content
    assert state(reported) == "activated"

    other = declare()["id"]
    assert move(api, "agent", other, "report").status_code == 200
    replay = client.post(
        f"/api/v1/incidents/{other}/transitions/decline/", body_for("decline"), format="json"
    )
    assert replay.status_code == 401 and "已被使用" in replay.json()["detail"]
    assert state(other) == "reported"
    # A token alone never stays verified: the next request without the header is refused again.
    assert move(api, "gm", other, "decline").status_code == 403


def test_enrol_from_the_account_page_then_verify_then_decide(org, client, reported):
    client.force_login(org["gm"])
    client.post("/security/account/enrol/")
    page = client.get("/security/account/").content.decode()
    assert "<svg" in page and "http" not in page.split("<svg")[1].split("</svg>")[0].replace(
        "http://www.w3.org", ""
    )  # the QR code is drawn here, no image from elsewhere
    device = TOTPDevice.objects.get(user=org["gm"], confirmed=False)
    assert client.post("/security/account/enrol/confirm/", {"code": "000000"}).status_code == 302
    device.refresh_from_db()
    assert not device.confirmed
    time.sleep(1.1)  # django-otp throttles after a failure (1 s, doubling)
    client.post("/security/account/enrol/confirm/", {"code": code(device)})
    device.refresh_from_db()
    assert device.confirmed
    codes = re.findall(
        r"<li><code>([a-z0-9]+)</code></li>", client.get("/security/account/").content.decode()
    )
    assert len(codes) == 10
    # Enrolment verified the session: the decision goes through.
    response = client.post(f"/incidents/{reported}/do/activate/", body_for("activate"))
    assert response.status_code == 302 and state(reported) == "activated"


def test_step_up_after_the_configured_time(org, client, settings, reported):
    settings.SECOND_FACTOR_MAX_AGE_SECONDS = 60
    device = enrol(org["gm"])
    client.force_login(org["gm"])
    assert client.post("/security/verify/", {"code": code(device), "next": "/"}).status_code == 302
    session = client.session
    session[VERIFIED_AT] = time.time() - 61
    session.save()
    page = client.post(f"/incidents/{reported}/do/activate/", body_for("activate"), follow=True)
    assert "重新输入" in page.content.decode() and state(reported) == "reported"
    assert client.post("/security/verify/", {"code": code(device, steps=1)}).status_code == 302
    client.post(f"/incidents/{reported}/do/activate/", body_for("activate"))
    assert state(reported) == "activated"


def test_recovery_codes_work_once_each(org, client, reported):
    client.force_login(org["gm"])
    client.post("/security/account/enrol/")
    device = TOTPDevice.objects.get(user=org["gm"])
    client.post("/security/account/enrol/confirm/", {"code": code(device)})
    recovery = list(StaticToken.objects.filter(device__user=org["gm"]).values_list("token", flat=True))
    assert len(recovery) == 10
    client.logout()
    client.force_login(org["gm"])  # a new session: not verified
    first = client.post("/security/verify/", {"code": recovery[0], "next": f"/incidents/{reported}/"})
    assert first.status_code == 302 and first["Location"] == f"/incidents/{reported}/"
    client.logout()
    client.force_login(org["gm"])
    again = client.post("/security/verify/", {"code": recovery[0]})
    assert again.status_code == 400 and "已被使用" in again.content.decode()
    time.sleep(1.1)  # the failure throttles the devices for a second
    assert client.post("/security/verify/", {"code": recovery[1]}).status_code == 302
    assert StaticToken.objects.filter(device__user=org["gm"]).count() == 8


def test_the_admin_needs_the_second_factor(org, client):
    device = enrol(org["admin"])
    client.force_login(org["admin"])
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/security/verify/?next=%2Fadmin%2F"
    client.post("/security/verify/", {"code": code(device)})
    assert client.get("/admin/").status_code == 200


def test_timers_decide_without_a_person(org, settings):
    from incidents.policies import SYSTEM_USER
    from security.second_factor import refusal

    assert refusal(user=SYSTEM_USER, action="activate") is None
    assert refusal(user=org["gm"], action="execute") is None  # not a decision
    assert refusal(user=org["gm"], action="close") is not None


def test_check_deploy_warns_when_the_second_factor_is_off(settings):
    settings.SECOND_FACTOR_REQUIRED = False
    assert "security.W001" in [m.id for m in run_checks(include_deployment_checks=True)]
    settings.SECOND_FACTOR_REQUIRED = True
    assert "security.W001" not in [m.id for m in run_checks(include_deployment_checks=True)]


def test_the_admin_never_shows_a_secret_but_can_revoke_a_lost_device(org, client, settings):
    settings.SECOND_FACTOR_REQUIRED = False  # this test is about what the admin shows
    device = enrol(org["gm"])
    client.force_login(org["admin"])
    page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200 and device.key not in page.content.decode()
    assert client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
