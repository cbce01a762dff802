from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdmin

from . import services
from .models import ReadRecord, SecurityEvent

User = get_user_model()


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
