"""The API's default permission (``REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]``), applied to every view
of every app that does not choose its own: signed in; integrator tokens only on the integrator endpoints;
auditors read only. Object-level scoping (which incidents a user sees) stays in each app's selectors."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from teams.selectors import actor_for


class RoleScope(BasePermission):
    message = _("您无权执行此操作。")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        actor = actor_for(user)
        if actor.is_integrator and not request.path_info.startswith(tuple(settings.INTEGRATOR_API_PREFIXES)):
            self.message = _("系统接入方令牌只能访问监测接口。")
            return False
        if actor.is_auditor and request.method not in SAFE_METHODS:
            self.message = _("审计人员只能查看，不能修改。")
            return False
        return True
