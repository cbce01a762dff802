from .complaint import (
    ComplaintCase,
    ComplaintCloseWaiver,
    DisputePlan,
    LegalReferral,
    MediaReport,
    Remedy,
    ReputationAssessment,
)
from .front_line import FrontLineMove
from .roll_call import RollCall, RollCallEntry
from .roster import RosterAssignment, RotationRoster
from .statement import ClarificationStatement

__all__ = [
    "ClarificationStatement",
    "ComplaintCase",
    "ComplaintCloseWaiver",
    "DisputePlan",
    "FrontLineMove",
    "LegalReferral",
    "MediaReport",
    "Remedy",
    "ReputationAssessment",
    "RollCall",
    "RollCallEntry",
    "RosterAssignment",
    "RotationRoster",
]
