from .approval import TerminationApproval
from .checklist import ChecklistItem, ChecklistTemplate, ChecklistTemplateItem, OwnerRole, Recurrence
from .incident import OPEN_STATES, Incident, RegulatorDecision, State
from .regulator import RegulatorDeadline
from .timeline import GENESIS_HASH, TimelineEntry
from .update import Attachment, ProgressUpdate

__all__ = [
    "GENESIS_HASH",
    "OPEN_STATES",
    "Attachment",
    "ChecklistItem",
    "ChecklistTemplate",
    "ChecklistTemplateItem",
    "Incident",
    "OwnerRole",
    "ProgressUpdate",
    "Recurrence",
    "RegulatorDeadline",
    "RegulatorDecision",
    "State",
    "TerminationApproval",
    "TimelineEntry",
]
