from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import (
    Attachment,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Incident,
    ProgressUpdate,
    TerminationApproval,
    TimelineEntry,
)


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "state", "category", "plan", "grade", "is_drill", "detected_at"]
    list_filter = ["state", "category", "plan", "grade", "is_drill"]
    search_fields = ["title", "description"]
    date_hierarchy = "detected_at"


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdmin):
    list_display = ["incident", "seq", "at", "actor_name", "actor_role", "action", "from_state", "to_state"]
    list_filter = ["action", "kind"]
    list_select_related = ["incident"]


@admin.register(TerminationApproval)
class TerminationApprovalAdmin(ReadOnlyAdmin):
    list_display = ["incident", "round", "slot", "decision", "approver_name", "at"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdmin):
    list_display = ["incident", "author", "at"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["incident", "name", "size", "sha256", "uploaded_by", "at"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReadOnlyAdmin):
    list_display = ["incident", "title", "owner", "due_at", "done_at", "withdrawn_at"]


class ChecklistTemplateItemInline(admin.TabularInline):
    model = ChecklistTemplateItem
    extra = 0


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    """Templates are versioned: a running incident keeps the copy it got at activation; to change a plan's
    measures, save as a new version (the highest active version is used for new activations)."""

    list_display = ["plan", "version", "is_active", "note", "created_at"]
    list_filter = ["plan", "is_active"]
    inlines = [ChecklistTemplateItemInline]
    save_as = True
