"""Pages of the plans' measures. Thin: reads through ``selectors``, writes through ``services``; refusals
become page messages exactly as on the incident pages (``core.pages``). One module per plan."""

from .after_event import after_event, after_event_complete
from .complaint import (
    complaint,
    complaint_case_act,
    complaint_case_escalate,
    complaint_reveal,
    dispute_plan_decide,
    dispute_plan_done,
    statement_publish,
    statement_vet,
)
from .sudden import (
    roll_call,
    roll_call_close,
    roll_call_mark,
    roll_call_partial,
    roster,
    second_line_move,
)

__all__ = [
    "after_event",
    "after_event_complete",
    "second_line_move",
    "complaint",
    "dispute_plan_decide",
    "complaint_case_escalate",
    "complaint_case_act",
    "dispute_plan_done",
    "statement_vet",
    "statement_publish",
    "complaint_reveal",
    "roster",
    "roll_call",
    "roll_call_partial",
    "roll_call_mark",
    "roll_call_close",
]
