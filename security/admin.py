from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import ReadRecord, SecurityEvent

User = get_user_model()


class ReadOnlyAdmin(admin.ModelAdmin):
    """The one rule for records (ASVS 5.0 16.4.2): written by the services only, shown in the admin, never
    added, edited or deleted there — the timeline, approvals, timers, notifications, late-report flags,
    security events, the read log, figures and the investigation. Actions that declare no permission (such
    as re-sending a failed notification) stay available; Django's "delete selected" disappears."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "username", "ip_address", "method", "path", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["username", "path", "ip_address"]
    date_hierarchy = "at"


@admin.action(description=_("终止所选用户的全部会话并吊销其 API 令牌"))
def end_sessions(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    ended = sum(
        services.user_sessions_end(user=user, reason=f"ended by admin {request.user}", request=request)
        for user in queryset
    )
    modeladmin.message_user(
        request,
        ngettext("已终止 %(count)d 个会话。", "已终止 %(count)d 个会话。", ended) % {"count": ended},
        messages.SUCCESS,
    )


class SecurityUserAdmin(UserAdmin):
    actions = [end_sessions]


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, SecurityUserAdmin)


@admin.register(ReadRecord)
class ReadRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "ip_address", "kind", "incident_id", "target"]
    list_filter = ["kind"]
    search_fields = ["username", "target", "path"]
    date_hierarchy = "at"
