"""Admin: the rules and the registry of monitored systems are edited here (DESIGN §5, "thresholds live in
the database"); figures, events and warnings are records, read-only."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin  # records are written by services only

from .models import EarlyWarning, EarlyWarningRule, IntervalFigure, MonitoredSystem, Queue, SystemEvent


@admin.register(EarlyWarningRule)
class EarlyWarningRuleAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "threshold",
        "consecutive",
        "min_offered",
        "category",
        "audience",
        "enabled",
    ]
    list_editable = ["threshold", "consecutive", "min_offered", "enabled"]
    list_filter = ["kind", "enabled"]


@admin.register(MonitoredSystem)
class MonitoredSystemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "owning_group", "is_active", "status", "status_since", "current_incident"]
    list_filter = ["is_active", "status"]
    readonly_fields = ["status", "status_since", "current_incident"]


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "owning_group", "created_at"]


@admin.register(IntervalFigure)
class IntervalFigureAdmin(ReadOnlyAdmin):
    list_display = [
        "queue",
        "interval_start",
        "interval_minutes",
        "offered",
        "answered",
        "answer_rate",
        "service_level",
        "service_level_formula",
        "source",
    ]
    list_filter = ["queue", "source", "interval_minutes"]
    date_hierarchy = "interval_start"
    list_select_related = ["queue"]


@admin.register(SystemEvent)
class SystemEventAdmin(ReadOnlyAdmin):
    list_display = ["system", "status", "at", "outcome", "incident", "received_at"]
    list_filter = ["system", "status", "outcome"]
    list_select_related = ["system", "incident"]


@admin.register(EarlyWarning)
class EarlyWarningAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "rule_code",
        "queue",
        "system",
        "comparison",
        "threshold",
        "figure",
        "incident",
        "outcome",
    ]
    list_filter = ["rule_code", "outcome", "queue"]
    list_select_related = ["queue", "system", "incident"]
