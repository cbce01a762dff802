"""The in-app inbox: ``GET /api/v1/notifications/`` (mine, newest first; ``?unread=1``) and
``POST /api/v1/notifications/{id}/read/``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from escalation import selectors, services

from .serializers import InboxNotificationSerializer


@extend_schema(parameters=[OpenApiParameter("unread", bool, description="只看未读")])
class InboxView(generics.ListAPIView):
    serializer_class = InboxNotificationSerializer
    filter_backends: list = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        unread = self.request.query_params.get("unread") in ("1", "true", "yes")
        return selectors.inbox_for(self.request.user, unread_only=unread)


class MarkReadView(APIView):
    @extend_schema(request=None, responses={200: InboxNotificationSerializer})
    def post(self, request: Request, pk: int) -> Response:
        notification = selectors.inbox_for(request.user).filter(pk=pk).first()
        if notification is None:
            raise NotFound(_("通知不存在。"))
        services.notification_mark_read(user=request.user, notification_id=pk)
        notification.refresh_from_db()
        return Response(InboxNotificationSerializer(notification).data, status=status.HTTP_200_OK)
