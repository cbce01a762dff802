"""What a locked-out client sees (django-axes ``AXES_LOCKOUT_CALLABLE``): a 429 with a Retry-After, as JSON
on the API and as a page in the browser. The lock lifts by itself after the cool-off (no permanent lock)."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    message = _("登录失败次数过多，请 %(minutes)d 分钟后再试。") % {"minutes": max(1, round(seconds / 60))}
    response: HttpResponse
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": message, "retry_after_seconds": seconds}, status=429)
    else:
        response = render(request, "security/locked_out.html", {"message": message}, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
