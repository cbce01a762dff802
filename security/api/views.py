"""The token endpoint (seen by django-axes) and the trivial endpoints used by health checks and benchmarks."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teams.selectors import actor_for

TokenSerializer = inline_serializer("Token", {"token": serializers.CharField()})
RefusalSerializer = inline_serializer(
    "LoginRefusal",
    {
        "detail": serializers.CharField(required=False),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
        "non_field_errors": serializers.ListField(child=serializers.CharField(), required=False),
        "retry_after_seconds": serializers.IntegerField(required=False),
    },
)


class ObtainTokenView(ObtainAuthToken):
    """``POST /api/v1/auth/token/`` with ``{"username", "password"}`` → ``{"token"}``.

    DRF's own view authenticates with its ``Request`` wrapper; django-axes marks a lockout on the object it
    is given, so we hand ``authenticate`` the underlying ``HttpRequest``. Failures then count towards the
    same lockout as the login page, and a locked-out client gets axes' 429 here too."""

    throttle_classes: list = []

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request._request, "format": self.format_kwarg, "view": self}

    @extend_schema(
        operation_id="auth_token_create",
        request=AuthTokenSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(RefusalSerializer, description="wrong credentials or missing fields"),
            429: OpenApiResponse(RefusalSerializer, description="locked out after repeated failures"),
        },
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        # A success resets the failure count, as a login through the page does (no session is created).
        AxesProxyHandler.user_logged_in(sender=type(self), request=request._request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class PingView(APIView):
    """``GET /api/v1/ping/``: the cheapest answer the stack can give (no database, no auth). Load balancers
    use it for liveness, and the API benchmark uses it as the trivial endpoint its list is compared with."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: inline_serializer("Ping", {"status": serializers.CharField()})}, auth=[])
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class MeView(APIView):
    """``GET /api/v1/me/``: who this token or session is, and the roles the desk sees
    Costs exactly authentication plus the role lookup: the benchmark's authenticated
    trivial endpoint. Default permission, so integrator tokens are refused here too."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "Me",
                {
                    "username": serializers.CharField(),
                    "roles": serializers.ListField(child=serializers.CharField()),
                },
            )
        }
    )
    def get(self, request: Request) -> Response:
        return Response(
            {"username": request.user.get_username(), "roles": actor_for(request.user).role_codes}
        )
