from .complaint import (
    ComplaintCase,
    ComplaintCloseWaiver,
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
    "ComplaintCloseWaiver",
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
