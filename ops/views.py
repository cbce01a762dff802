"""``/healthz`` and ``/metrics``: answered without a session, for probes and Prometheus."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from . import metrics, selectors, services

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
