"""The report API (DESIGN §7): ``GET /api/v1/incidents/{id}/report/`` and the investigation's writes.
Thin: reads via ``reports.selectors``, writes via ``reports.services``."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reports import post_incident, selectors, services


def _data(request: Request) -> dict[str, Any]:
    data = request.data
    if hasattr(data, "lists"):
        return {key: values if len(values) > 1 else values[0] for key, values in data.lists()}
    return dict(data) if isinstance(data, dict) else {}


def _incident(request: Request, pk: int) -> Any:
    incident = selectors.incident_for_report(user=request.user, incident_id=pk)
    if incident is None:
        raise Http404
    return incident


class ReportView(APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description="The post-incident report built from the record (a draft until `close`, then the frozen "
        "filed copy), with `sha256`: the SHA-256 of the canonical JSON of `content` "
        "(keys sorted, UTF-8, no spaces) — the hash printed in the PDF footer.",
    )
    def get(self, request: Request, pk: int) -> Response:
        report = post_incident.report_for(incident=_incident(request, pk))
        return Response(
            {
                "final": report["final"],
                "sha256": report["sha256"],
                "closed_at": report["closed_at"],
                "content": report["content"],
            }
        )


class _Write(APIView):
    service: Any = None
    ok_status = 200

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        _incident(request, pk)
        written = type(self).service(incident_id=pk, user=request.user, data=_data(request))
        return Response({"id": written.pk}, status=self.ok_status)


class InvestigationView(_Write):
    service = staticmethod(services.investigation_update)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def patch(self, request: Request, pk: int) -> Response:
        return self.post(request, pk)


class ResponsiblePersonView(_Write):
    service = staticmethod(services.responsible_person_add)
    ok_status = 201


class CorrectiveActionView(_Write):
    service = staticmethod(services.corrective_action_add)
    ok_status = 201


class DrillRecordView(_Write):
    service = staticmethod(services.drill_record_save)


class CorrectiveActionProgressView(APIView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def patch(self, request: Request, action_id: int) -> Response:
        action = services.corrective_action_update(
            action_id=action_id, user=request.user, data=_data(request)
        )
        return Response({"id": action.pk, "status": action.status, "retest": action.retest})
