from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.admin import ReadOnlyAdmin

from . import masking, services
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


class SecondFactorDeviceAdmin(admin.ModelAdmin):
    """Authenticators and recovery codes: the admin sees whose they are and may delete one (a lost phone,
    ASVS 6.5.6), never the secret key or the codes, and never adds or edits one (the user enrols)."""

    list_display = ["user", "name", "confirmed"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    fields = ("user", "name", "confirmed")
    readonly_fields = ("user", "name", "confirmed")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)
    admin.site.register(_device, SecondFactorDeviceAdmin)


class PersonalDataHidden:
    """Mixed into the admin of every record named in ``security.masking``: complainants' personal data is
    not the administrator's to read, so its fields are not shown; a timeline entry shows its comment and
    payload masked."""

    model: Any

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        hidden = list(masking.fields_of(self.model._meta.label))
        if self.model._meta.label == "incidents.TimelineEntry":
            hidden += ["comment", "payload"]
        return [*(super().get_exclude(request, obj) or []), *hidden]  # type: ignore[misc]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        if self.model._meta.label == "incidents.TimelineEntry":
            fields += ["shown_comment", "shown_payload"]
        return fields

    @admin.display(description=_("说明"))
    def shown_comment(self, obj: Any) -> str:
        return masking.masked_comment(obj.action, obj.comment)

    @admin.display(description=_("内容"))
    def shown_payload(self, obj: Any) -> Any:
        return masking.masked_payload(obj.action, obj.payload)


def _hide_personal_data() -> None:
    """Re-register, with ``PersonalDataHidden``, the admins of the records that hold personal data (the
    apps that register them come before ``security`` in INSTALLED_APPS)."""
    for label in [*masking.PERSONAL_DATA, "incidents.TimelineEntry"]:
        try:
            model = apps.get_model(label)
        except LookupError:  # a record named before its app ships it
            continue
        if model in admin.site._registry:
            current = type(admin.site._registry[model])
            admin.site.unregister(model)
            admin.site.register(model, type(f"Hidden{current.__name__}", (PersonalDataHidden, current), {}))


_hide_personal_data()
