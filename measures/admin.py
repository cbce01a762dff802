from django.contrib import admin

from core.admin import ReadOnlyAdmin  # records are written by services only

from .models import (
    ComplaintCase,
    DisputePlan,
    LegalReferral,
    MediaReport,
    Remedy,
    ReputationAssessment,
    RollCall,
    RotationRoster,
)

for model in (
    RotationRoster,
    RollCall,
    MediaReport,
    ReputationAssessment,
    DisputePlan,
    LegalReferral,
    ComplaintCase,
    Remedy,
):
    admin.site.register(model, ReadOnlyAdmin)
