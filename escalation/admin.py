from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin

from . import services
from .models import Escalation, EscalationPolicy, LateReport, Notification, NotificationChannel, Timer


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_active", "updated_at")
    list_filter = ("is_active",)
    readonly_fields = ("updated_at",)
    search_fields = ("name", "code")


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    """Runs of policies; the snapshot shows the policy as it was when the run started."""

    list_display = ("incident", "policy_code", "started_at", "ended_at", "end_reason")
    list_filter = ("policy_code",)
    list_select_related = ("incident",)


@admin.register(Timer)
class TimerAdmin(ReadOnlyAdmin):
    list_display = ("incident", "kind", "due_at", "fired_at", "cancelled_at", "outcome", "attempts")
    list_filter = (
        "kind",
        ("fired_at", admin.EmptyFieldListFilter),
        ("cancelled_at", admin.EmptyFieldListFilter),
    )
    list_select_related = ("incident",)
    date_hierarchy = "due_at"


@admin.register(NotificationChannel)
class NotificationChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "target", "is_active")
    list_filter = ("kind", "is_active")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Every message sent or not; failures are filterable and can be put back in the queue."""

    list_display = (
        "created_at",
        "incident",
        "event",
        "channel",
        "recipient_name",
        "status",
        "attempts",
        "last_error",
    )
    list_filter = ("status", "channel", "event", "is_drill")
    search_fields = ("subject", "recipient_name", "address", "last_error")
    exclude = ("secret",)
    list_select_related = ("incident",)
    actions = ["resend"]

    @admin.action(description=_("重新发送所选的失败通知"))
    def resend(self, request, queryset):  # type: ignore[no-untyped-def]
        count = sum(
            services.notification_resend(notification_id=pk) for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, _("已重新排队 %(n)d 条通知。") % {"n": count}, messages.SUCCESS)


@admin.register(LateReport)
class LateReportAdmin(ReadOnlyAdmin):
    list_display = ("incident", "delay_seconds", "threshold_seconds", "is_late")
    list_filter = ("is_late",)
