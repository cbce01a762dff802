"""``/healthz`` and ``/metrics`` (no session: probes and Prometheus), and the emergency pack's page."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from escalation.models import Timer, TimerKind
from teams.selectors import actor_for

from . import metrics, pack, selectors, services

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 ``ok`` or ``degraded`` (the web still serves: keep the pod, page the admins), 503 when the
    database does not answer (take the pod out of the load balancer until it does)."""
    report = selectors.health_report()
    if report["status"] == "unavailable":
        return JsonResponse(report, status=503, headers={"Retry-After": "5"})
    try:
        services.health_alert(report=report)
    except Exception:  # noqa: BLE001 - a failed alert must not turn the probe red
        logger.exception("health alert could not be recorded")
    return JsonResponse(report)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition, computed from the database at scrape time: the same figures whichever
    gunicorn process answers. ``METRICS_TOKEN`` set → ``Authorization: Bearer <token>`` required."""
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse("metrics token required\n", status=401, content_type="text/plain")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(metrics.DeskCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def _require_leadership(request: HttpRequest) -> None:
    actor = actor_for(request.user)
    if not (actor.in_leadership_group or actor.is_admin):
        raise PermissionDenied(_("只有领导小组成员可以下载应急包。"))


@login_required
@require_http_methods(["GET", "POST"])
def pack_page(request: HttpRequest) -> HttpResponse:
    """The Leadership Group's page: when the pack was last written, download it, or write one now."""
    _require_leadership(request)
    if request.method == "POST":
        pack.pack_export()
        messages.success(request, _("应急包已重新生成。"))
        return redirect("ops:pack")
    timer = (
        Timer.objects.filter(kind=TimerKind.EMERGENCY_PACK, fired_at__isnull=True, cancelled_at__isnull=True)
        .order_by("due_at")
        .first()
    )
    return render(request, "ops/pack_page.html", {"info": pack.latest_pack_info(), "next_timer": timer})


@login_required
@require_GET
def pack_download(request: HttpRequest) -> FileResponse:
    _require_leadership(request)
    info = pack.latest_pack_info()
    if info is None:
        raise Http404(_("尚未生成应急包。"))
    name = f"emergency-pack-{info.generated_at:%Y%m%d-%H%M}.pdf"
    return FileResponse(
        info.path.open("rb"), as_attachment=True, filename=name, content_type="application/pdf"
    )
