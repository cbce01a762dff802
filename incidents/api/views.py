"""The incident API of DESIGN §7. Thin: reads via selectors, every write via ``incidents.services``."""

from __future__ import annotations

import json
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import Http404
from django.utils.datastructures import MultiValueDict
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import UnknownTransition
from incidents import regulator, selectors, services
from incidents.forms import TRANSITION_FORMS
from incidents.models import (
    Attachment,
    ChecklistItem,
    Incident,
    ProgressUpdate,
    RegulatorDeadline,
    TimelineEntry,
)

from .filters import IncidentFilter
from .schema import serializer_for_form
from .serializers import (
    LIST_VALUES,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    ChecklistDoneInputSerializer,
    ChecklistItemSerializer,
    DeclareSerializer,
    EventStartInputSerializer,
    IncidentDetailSerializer,
    IncidentListSerializer,
    KindInputSerializer,
    ProgressUpdateInputSerializer,
    ProgressUpdateSerializer,
    RegulatorDeadlineSerializer,
    RegulatorDecisionInputSerializer,
    RegulatorSubmissionInputSerializer,
    RegulatorWaiverInputSerializer,
    TimelineEntrySerializer,
)

ErrorSerializer = inline_serializer(
    "Error",
    {
        "detail": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
        "current_state": serializers.CharField(required=False),
    },
)
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="invalid fields"),
    403: OpenApiResponse(ErrorSerializer, description="not permitted"),
    404: OpenApiResponse(ErrorSerializer, description="not found"),
    409: OpenApiResponse(ErrorSerializer, description="not allowed from the current state, or lost a race"),
}


def _data(request: Request) -> MultiValueDict:
    """Request data as Django forms read a POST: single-value fields take one value, multi-value fields
    (``SelectMultiple``) the list. A JSON body may put a list or an object anywhere; as a MultiValueDict a
    single-value field sees one scalar (or nothing) and refuses it with a field error, never a crash."""
    data = request.data
    if hasattr(data, "lists"):
        return MultiValueDict(dict(data.lists()))
    if not isinstance(data, dict):
        return MultiValueDict()
    return MultiValueDict(
        {
            key: [_scalar(item) for item in value] if isinstance(value, list) else [_scalar(value)]
            for key, value in data.items()
        }
    )


def _scalar(value: Any) -> Any:
    """A JSON value as a form reads a posted one: text (``true``/``false`` for booleans), or None for
    null. Nested JSON (an object, a list inside a list) is passed on as its text, to be refused."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _visible_incident(request: Request, pk: int) -> Incident:
    incident = selectors.incidents_visible_to(user=request.user).filter(pk=pk).first()
    if incident is None:
        raise Http404
    return incident


class _ListRowsPaginator(Paginator):
    """Counts the incidents alone (no join), then reads the page's rows as ``LIST_VALUES``: only the columns
    the list shows (a description can be pages long), as plain rows the serializer reads as they come —
    building 50 incidents and their teams was a quarter of a list request (issue 12 profile)."""

    def _get_page(self, *args: Any, **kwargs: Any) -> Page:
        rows, *rest = args
        return super()._get_page(rows.values(*LIST_VALUES), *rest, **kwargs)  # type: ignore[misc]  # hook not in the stubs


class _ListPagination(PageNumberPagination):
    django_paginator_class = _ListRowsPaginator


@extend_schema_view(
    get=extend_schema(
        description=(
            "The incidents the caller may read, newest first, 50 a page, filtered by state, category, plan, "
            "grade, is_drill and detection time. `count` is exact: the number of incidents that match."
        )
    )
)
class IncidentListView(generics.ListAPIView):
    serializer_class = IncidentListSerializer
    filterset_class = IncidentFilter
    pagination_class = _ListPagination

    def get_queryset(self):
        return selectors.incident_list(user=self.request.user)

    @extend_schema(request=DeclareSerializer, responses={201: IncidentDetailSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        declared = services.incident_declare(user=request.user, data=_data(request))
        incident = selectors.incident_detail(user=request.user, incident_id=declared.pk)
        return Response(IncidentDetailSerializer(incident, context={"request": request}).data, status=201)


class IncidentDetailView(generics.RetrieveAPIView):
    serializer_class = IncidentDetailSerializer

    def get_object(self) -> Incident:
        incident = selectors.incident_detail(user=self.request.user, incident_id=self.kwargs["pk"])
        if incident is None:
            raise Http404
        return incident


class IncidentTransitionView(APIView):
    """``POST /incidents/{id}/transitions/{name}/`` — one class, specialised per transition below so the
    schema documents each transition's own fields."""

    transition_name = ""

    def post(self, request: Request, pk: int, name: str | None = None) -> Response:
        name = name or self.transition_name
        if name not in TRANSITION_FORMS:
            raise UnknownTransition(f"unknown transition: {name}")
        _visible_incident(request, pk)
        services.incident_transition(incident_id=pk, name=name, user=request.user, data=_data(request))
        incident = selectors.incident_detail(user=request.user, incident_id=pk)
        return Response(IncidentDetailSerializer(incident, context={"request": request}).data)


def transition_view(name: str) -> Any:
    form = TRANSITION_FORMS[name]
    request_serializer = serializer_for_form(
        form, "".join(part.title() for part in name.split("_")) + "Transition"
    )

    # A function of its own per transition: extend_schema annotates the function object, and a shared one
    # would leave every transition documented with the last transition's fields.
    def post(self: IncidentTransitionView, request: Request, pk: int, name: str | None = None) -> Response:
        return IncidentTransitionView.post(self, request, pk, name)

    post = extend_schema(
        operation_id=f"incidents_transition_{name}",
        request=request_serializer,
        responses={200: IncidentDetailSerializer, **ERRORS},
        description=(form.__doc__ or "").strip() or None,
    )(post)
    view: type[IncidentTransitionView] = type(
        f"{name.title()}TransitionView", (IncidentTransitionView,), {"transition_name": name, "post": post}
    )
    return view.as_view()


class UnknownTransitionView(IncidentTransitionView):
    @extend_schema(exclude=True)
    def post(self, request: Request, pk: int, name: str | None = None) -> Response:
        raise UnknownTransition(f"unknown transition: {name}")


class TimelineView(generics.ListAPIView):
    serializer_class = TimelineEntrySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no pk
            return TimelineEntry.objects.none()
        return selectors.timeline_of(incident=_visible_incident(self.request, self.kwargs["pk"]))


class ProgressUpdateView(generics.ListAPIView):
    serializer_class = ProgressUpdateSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no pk
            return ProgressUpdate.objects.none()
        incident = _visible_incident(self.request, self.kwargs["pk"])
        return incident.updates.prefetch_related("attachments").order_by("at")

    @extend_schema(request=ProgressUpdateInputSerializer, responses={201: ProgressUpdateSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        _visible_incident(request, pk)
        update = services.incident_add_update(
            incident_id=pk, user=request.user, data=_data(request), files=request.FILES.getlist("files")
        )
        return Response(ProgressUpdateSerializer(update).data, status=status.HTTP_201_CREATED)


class AttachmentView(generics.ListAPIView):
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no pk
            return Attachment.objects.none()
        return _visible_incident(self.request, self.kwargs["pk"]).attachments.order_by("at")

    @extend_schema(request=AttachmentUploadSerializer, responses={201: AttachmentSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        _visible_incident(request, pk)
        update_id = str(_data(request).get("update_id") or "")
        attachment = services.incident_add_attachment(
            incident_id=pk,
            user=request.user,
            upload=request.FILES.get("file"),
            update_id=int(update_id) if update_id.isdigit() else None,
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class ChecklistView(generics.ListAPIView):
    serializer_class = ChecklistItemSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no pk
            return ChecklistItem.objects.none()
        return selectors.checklist_of(incident=_visible_incident(self.request, self.kwargs["pk"]))


class ChecklistDoneView(APIView):
    @extend_schema(request=ChecklistDoneInputSerializer, responses={200: ChecklistItemSerializer, **ERRORS})
    def post(self, request: Request, pk: int, item_id: int) -> Response:
        _visible_incident(request, pk)
        if not selectors.checklist_of(incident=_visible_incident(request, pk)).filter(pk=item_id).exists():
            raise Http404
        item = services.checklist_item_complete(item_id=item_id, user=request.user, data=_data(request))
        return Response(ChecklistItemSerializer(item).data)


class RegulatorDecisionView(APIView):
    @extend_schema(
        request=RegulatorDecisionInputSerializer, responses={200: IncidentDetailSerializer, **ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        _visible_incident(request, pk)
        services.incident_record_regulator_decision(incident_id=pk, user=request.user, data=_data(request))
        incident = selectors.incident_detail(user=request.user, incident_id=pk)
        return Response(IncidentDetailSerializer(incident, context={"request": request}).data)


class EventStartView(APIView):
    """Art. 19: the Leadership Group corrects when the event began (kept on the timeline with the reason)."""

    @extend_schema(request=EventStartInputSerializer, responses={200: IncidentDetailSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        _visible_incident(request, pk)
        services.incident_correct_event_start(incident_id=pk, user=request.user, data=_data(request))
        incident = selectors.incident_detail(user=request.user, incident_id=pk)
        return Response(IncidentDetailSerializer(incident, context={"request": request}).data)


class KindView(APIView):
    """Art. 14: the Leadership Group corrects the kind of sudden event, with a reason; while the plan runs
    the checklist follows (the new kind's measures added or reinstated, the open ones of other kinds
    withdrawn — kept, with when, by whom and why)."""

    @extend_schema(request=KindInputSerializer, responses={200: IncidentDetailSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        _visible_incident(request, pk)
        services.incident_correct_kind(incident_id=pk, user=request.user, data=_data(request))
        incident = selectors.incident_detail(user=request.user, incident_id=pk)
        return Response(IncidentDetailSerializer(incident, context={"request": request}).data)


class RegulatorDeadlineListView(generics.ListAPIView):
    """The incident's regulator deadlines, each with how it ended and its evidence (Art. 10)."""

    serializer_class = RegulatorDeadlineSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RegulatorDeadline.objects.none()
        return regulator.deadlines_of(incident=_visible_incident(self.request, self.kwargs["pk"]))


class RegulatorSubmissionView(APIView):
    """Record what was sent to the regulator for one deadline: met, or met late with the delay."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={
            "application/json": RegulatorSubmissionInputSerializer,
            "multipart/form-data": RegulatorSubmissionInputSerializer,
        },
        responses={200: RegulatorDeadlineSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int, deadline_id: int) -> Response:
        _visible_incident(request, pk)
        deadline = regulator.submission_record(
            incident_id=pk,
            deadline_id=deadline_id,
            user=request.user,
            data=_data(request),
            document=request.FILES.get("document"),
        )
        return Response(RegulatorDeadlineSerializer(deadline).data)


class RegulatorWaiverView(APIView):
    """A decider asks to end an unmet deadline as missed, with a reason (a second decider approves)."""

    @extend_schema(
        request=RegulatorWaiverInputSerializer, responses={200: RegulatorDeadlineSerializer, **ERRORS}
    )
    def post(self, request: Request, pk: int, deadline_id: int) -> Response:
        _visible_incident(request, pk)
        deadline = regulator.waiver_request(
            incident_id=pk, deadline_id=deadline_id, user=request.user, data=_data(request)
        )
        return Response(RegulatorDeadlineSerializer(deadline).data)


class RegulatorWaiverApproveView(APIView):
    """Four-eyes: another decider approves the waiver; the deadline ends as missed."""

    @extend_schema(
        request=inline_serializer(
            "RegulatorWaiverApproveInput", {"comment": serializers.CharField(required=False)}
        ),
        responses={200: RegulatorDeadlineSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int, deadline_id: int) -> Response:
        _visible_incident(request, pk)
        deadline = regulator.waiver_approve(
            incident_id=pk, deadline_id=deadline_id, user=request.user, data=_data(request)
        )
        return Response(RegulatorDeadlineSerializer(deadline).data)
