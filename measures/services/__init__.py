"""Every write of a plan measure (DESIGN §4), one module per plan: ``roster`` and ``roll_call`` (the
sudden-event plan, Art. 14), ``complaint`` (the major-complaint plan, Art. 14-bis). ``_common`` holds the
lock-check-validate-record steps they share and the states each measure applies in."""

from ._common import (
    AFTER_EVENT_STATES,
    COMPLAINT_STATES,
    MEASURE_STATES,
    MISSING_UPDATE_STATES,
    ROLL_CALL_STATES,
)
from .after_event import after_event_complete, after_event_record
from .complaint import (
    complaint_case_assign,
    complaint_case_escalate,
    dispute_plan_complete,
    dispute_plan_decide,
    dispute_plan_propose,
    legal_referral_record,
    media_report_log,
    remedy_record,
    reputation_assess,
)
from .complaint_cases import (
    complaint_case_close,
    complaint_case_extension_decide,
    complaint_case_extension_request,
    complaint_close_waive,
)
from .front_line import second_line_end, second_line_move
from .roll_call import roll_call_close, roll_call_mark, roll_call_start
from .roster import roster_generate, roster_split
from .statement import statement_draft, statement_publish, statement_vet

__all__ = [
    "AFTER_EVENT_STATES",
    "after_event_complete",
    "after_event_record",
    "second_line_end",
    "second_line_move",
    "COMPLAINT_STATES",
    "MEASURE_STATES",
    "MISSING_UPDATE_STATES",
    "ROLL_CALL_STATES",
    "complaint_case_assign",
    "complaint_case_close",
    "complaint_case_extension_decide",
    "complaint_case_extension_request",
    "complaint_close_waive",
    "complaint_case_escalate",
    "dispute_plan_complete",
    "dispute_plan_decide",
    "dispute_plan_propose",
    "legal_referral_record",
    "media_report_log",
    "reputation_assess",
    "remedy_record",
    "roll_call_close",
    "roll_call_mark",
    "roll_call_start",
    "roster_generate",
    "roster_split",
    "statement_draft",
    "statement_publish",
    "statement_vet",
]
