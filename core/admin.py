from __future__ import annotations

from typing import Any

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """The one rule for records (ASVS 5.0 16.4.2): written by the services only, shown in the admin, never
    added, edited or deleted there — the timeline, approvals, timers, notifications, late-report flags,
    security events, the read log, figures and the investigation. Actions that declare no permission (such
    as re-sending a failed notification) stay available; Django's "delete selected" disappears."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
