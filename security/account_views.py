"""The user's account page (enrol an authenticator, recovery codes) and the verification page."""

from __future__ import annotations

from base64 import b32encode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import second_factor

RECOVERY_CODES = 10


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("动态码或恢复码"),
        max_length=16,
        widget=forms.TextInput({"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Status of the second factor; while enrolling, the QR code (drawn here, as inline SVG) and the key."""
    pending = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    context = {
        "has_device": user_has_device(request.user),
        "fresh": second_factor.is_fresh(request.user) and user_has_device(request.user),
        "recovery_left": StaticToken.objects.filter(
            device__user=request.user, device__confirmed=True
        ).count(),
        "pending": pending,
        "form": CodeForm(),
        "new_codes": request.session.pop("security.new_recovery_codes", None),
    }
    if pending is not None:
        context["qr_svg"] = segno.make(pending.config_url, error="m").svg_inline(scale=5, dark="#000")
        context["secret"] = b32encode(pending.bin_key).decode()
    return render(request, "security/account.html", context)


@login_required
@require_POST
@second_factor.require_fresh
def enrol_start(request: HttpRequest) -> HttpResponse:
    TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
    TOTPDevice.objects.create(user=request.user, name=_("验证器应用"), confirmed=False)
    return redirect("security:account")


@login_required
@require_POST
def enrol_confirm(request: HttpRequest) -> HttpResponse:
    """The first code from the app confirms it: it replaces any earlier authenticator, new recovery codes are
    shown once, and the session counts as verified."""
    pending = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    form = CodeForm(request.POST)
    if pending is None:
        return redirect("security:account")
    if not form.is_valid() or not pending.verify_token(form.cleaned_data["code"].strip()):
        messages.error(request, _("动态码不正确，请核对手机时间后重试。"))
        return redirect("security:account")
    TOTPDevice.objects.filter(user=request.user).exclude(pk=pending.pk).delete()
    pending.confirmed = True
    pending.save(update_fields=["confirmed"])
    request.session["security.new_recovery_codes"] = _new_recovery_codes(request)
    second_factor.session_verified(request, pending)
    messages.success(request, _("验证器已绑定。请妥善保存下面的恢复码，每个只能使用一次。"))
    return redirect("security:account")


@login_required
@require_POST
@second_factor.require_fresh
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    request.session["security.new_recovery_codes"] = _new_recovery_codes(request)
    return redirect("security:account")


def _new_recovery_codes(request: HttpRequest) -> list[str]:
    StaticDevice.objects.filter(user=request.user).delete()
    device = StaticDevice.objects.create(user=request.user, name=_("恢复码"), confirmed=True)
    codes = [StaticToken.random_token() for _index in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Enter a code from the authenticator (or one recovery code); back to where the user was."""
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        device = second_factor.verify(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            second_factor.session_verified(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(request, _("已使用一个恢复码，该恢复码已作废。"))
            return redirect(_next(request))
        form.add_error("code", _("动态码不正确、已被使用或已过期。"))
        status = 400
    return render(
        request,
        "security/verify.html",
        {"form": form, "next": _next(request), "has_device": user_has_device(request.user)},
        status=status,
    )
