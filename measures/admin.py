from django.contrib import admin

from .models import (
    ComplaintCase,
    ComplaintClock,
    DisputePlan,
    LegalReferral,
    MediaReport,
    Remedy,
    ReputationAssessment,
    RollCall,
    RotationRoster,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Measures are written through ``measures.services`` only (each write is also a timeline entry)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model in (
    RotationRoster,
    RollCall,
    MediaReport,
    ReputationAssessment,
    DisputePlan,
    LegalReferral,
    ComplaintCase,
    Remedy,
    ComplaintClock,
):
    admin.site.register(model, ReadOnlyAdmin)
