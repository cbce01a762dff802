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
from .statement import ClarificationStatement

__all__ = [
    "ClarificationStatement",
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
