"""The investigation record in the admin: shown, never edited — writes go through ``reports.services`` so
that each one lands on the incident's timeline."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import CorrectiveAction, DrillRecord, FinalReport, Investigation, ResponsiblePerson


@admin.register(Investigation)
class InvestigationAdmin(ReadOnlyAdmin):
    list_display = ["incident", "direct_cause", "is_internal_cause", "late_report", "updated_at"]
    search_fields = ["direct_cause", "root_cause", "lessons_learned"]


@admin.register(ResponsiblePerson)
class ResponsiblePersonAdmin(ReadOnlyAdmin):
    list_display = ["investigation", "name", "responsibility"]
    list_filter = ["responsibility"]


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ReadOnlyAdmin):
    list_display = [
        "investigation",
        "kind",
        "title",
        "owner",
        "due_date",
        "status",
        "retest",
    ]
    list_filter = ["status", "kind", "retest"]
    date_hierarchy = "due_date"


@admin.register(DrillRecord)
class DrillRecordAdmin(ReadOnlyAdmin):
    list_display = ["incident", "held_at", "updated_at"]


@admin.register(FinalReport)
class FinalReportAdmin(ReadOnlyAdmin):
    list_display = ["incident", "sha256", "closed_at"]
    exclude = ["html_zh", "html_en"]
