"""The report API (DESIGN §7): ``GET /api/v1/incidents/{id}/report/`` and the investigation's writes.
Thin: reads via ``reports.selectors``, writes via ``reports.services``."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.api.views import ERRORS
from reports import post_incident, rendering, selectors, services
from reports.models import Investigation

from .serializers import (
    ActionProgressInputSerializer,
    CorrectiveActionInputSerializer,
    CorrectiveActionSerializer,
    DrillRecordInputSerializer,
    DrillRecordSerializer,
    InvestigationInputSerializer,
    InvestigationSerializer,
    ReportSerializer,
    ResponsiblePersonInputSerializer,
    ResponsiblePersonSerializer,
)


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
        responses={200: ReportSerializer},
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
    output: Any = None
    ok_status = 200

    def post(self, request: Request, pk: int) -> Response:
        _incident(request, pk)
        written = type(self).service(incident_id=pk, user=request.user, data=_data(request))
        return Response(self.output(written).data, status=self.ok_status)


class InvestigationView(_Write):
    """The investigation record (Art. 19–21): a partial update — only the fields sent are written."""

    service = staticmethod(services.investigation_update)
    output = InvestigationSerializer

    def get(self, request: Request, pk: int) -> Response:
        incident = _incident(request, pk)
        # Not started yet: the empty record (id null), so a reader of the incident reads this too (200).
        investigation = Investigation.objects.filter(incident=incident).first() or Investigation(
            incident=incident
        )
        return Response(InvestigationSerializer(investigation).data)

    @extend_schema(request=InvestigationInputSerializer, responses={200: InvestigationSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    @extend_schema(request=InvestigationInputSerializer, responses={200: InvestigationSerializer, **ERRORS})
    def patch(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    get = extend_schema(responses={200: InvestigationSerializer, 404: ERRORS[404]})(get)


class ResponsiblePersonView(_Write):
    service = staticmethod(services.responsible_person_add)
    output = ResponsiblePersonSerializer
    ok_status = 201

    @extend_schema(
        request=ResponsiblePersonInputSerializer, responses={201: ResponsiblePersonSerializer, **ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class CorrectiveActionView(_Write):
    service = staticmethod(services.corrective_action_add)
    output = CorrectiveActionSerializer
    ok_status = 201

    @extend_schema(
        request=CorrectiveActionInputSerializer, responses={201: CorrectiveActionSerializer, **ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class DrillRecordView(_Write):
    service = staticmethod(services.drill_record_save)
    output = DrillRecordSerializer

    @extend_schema(request=DrillRecordInputSerializer, responses={200: DrillRecordSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class CorrectiveActionProgressView(APIView):
    @extend_schema(
        request=ActionProgressInputSerializer, responses={200: CorrectiveActionSerializer, **ERRORS}
    )
    def patch(self, request: Request, action_id: int) -> Response:
        action = services.corrective_action_update(
            action_id=action_id, user=request.user, data=_data(request)
        )
        return Response(CorrectiveActionSerializer(action).data)


class ReportPdfView(APIView):
    """The post-incident report as PDF, for a token as for a browser session (the filed copy once closed)."""

    @extend_schema(
        parameters=[OpenApiParameter("lang", str, enum=["zh-hans", "en"], required=False)],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: ERRORS[404]},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        incident = _incident(request, pk)
        language = "en" if request.query_params.get("lang") == "en" else "zh-hans"
        pdf, digest = rendering.report_pdf_of(incident=incident, language=language)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="incident-{incident.pk}-report.pdf"'
        response["X-Report-SHA256"] = digest
        return response
