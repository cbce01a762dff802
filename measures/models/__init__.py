from .complaint import (
    ComplaintCase,
    ComplaintClock,
    DisputePlan,
    LegalReferral,
    MediaReport,
    Remedy,
    ReputationAssessment,
)
from .roll_call import RollCall, RollCallEntry
from .roster import RosterAssignment, RotationRoster

__all__ = [
    "ComplaintCase",
    "ComplaintClock",
    "DisputePlan",
    "LegalReferral",
    "MediaReport",
    "Remedy",
    "ReputationAssessment",
    "RollCall",
    "RollCallEntry",
    "RosterAssignment",
    "RotationRoster",
]
