"""The monitoring feed of DESIGN §7: thin views over ``monitoring.services`` (integrator token)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.api.views import ErrorSerializer
from monitoring import services

from .serializers import (
    IngestResultSerializer,
    IntervalFigureInputSerializer,
    SystemEventInputSerializer,
    SystemEventResultSerializer,
)

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="invalid fields; `errors` keyed `[index].field`"),
    403: OpenApiResponse(ErrorSerializer, description="not an integrator token"),
}


class IntervalFiguresView(APIView):
    @extend_schema(
        operation_id="monitoring_intervals_ingest",
        summary="Push interval figures (one object or a list of up to 5,000)",
        description=(
            "Idempotent per (queue, interval_start): a figure identical to the stored one changes nothing; a "
            "different one replaces it and is judged again. The early-warning rules are judged in the same "
            "request; warnings raised are returned. Any invalid item refuses the whole batch (400). "
            "Integrator token (`Authorization: Token …`, user in group `integrator`)."
        ),
        request=PolymorphicProxySerializer(
            component_name="IntervalFigureOneOrMany",
            serializers=[IntervalFigureInputSerializer, IntervalFigureInputSerializer(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={200: IngestResultSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "one interval",
                value={
                    "queue": "PS",
                    "interval_start": "2026-01-05T09:15:00+08:00",
                    "interval_minutes": 15,
                    "offered": 120,
                    "answered": 80,
                    "answered_within_threshold": 50,
                    "abandoned": 40,
                    "short_abandons": 6,
                    "asa_seconds": 48.5,
                    "complaints": 0,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        items = request.data if isinstance(request.data, list) else [request.data]
        result = services.interval_figures_ingest(user=request.user, items=items)
        return Response(result.as_dict())


class SystemEventsView(APIView):
    @extend_schema(
        operation_id="monitoring_system_event",
        summary="Report a system down or up",
        description=(
            "`down` opens (or reuses — never duplicates) the `system_outage` incident of that system in "
            "监测预警 and starts the 60-minute outage clock (Art. 2); `up` cancels the clock and records the "
            "recovery on the incident's timeline. Repeating the current status is a no-op (200, "
            "`changed: false`); a status change answers 201. 400: unknown system (register it in the admin "
            "under 受监测系统), bad status, time in the future or older than 24 h. 409: older than the "
            "system's current status."
        ),
        request=SystemEventInputSerializer,
        responses={
            201: SystemEventResultSerializer,
            200: SystemEventResultSerializer,
            **ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="older than the current status"),
        },
    )
    def post(self, request: Request) -> Response:
        result = services.system_event_record(user=request.user, data=request.data)
        body = {
            "system": result.system.code,
            "status": result.system.status,
            "changed": result.changed,
            "event": result.event.pk if result.event else None,
            "incident": result.incident.pk if result.incident else None,
            "detail": result.message,
        }
        return Response(body, status=201 if result.changed else 200)
