"""Need-to-know for complainants' personal data (issue 16; PIPL; ASVS 5.0 14.2.6, 8.2.3): the ONE rule
that says which fields of which records are personal data and how they are shown masked. Every surface —
the complaint page, the API, reports, PDFs, CSV exports, the admin — shows these records through it.

Who may *reveal* one record (with a reason, logged in the read log) is the policy
``incidents.policies.may_reveal_personal_data``; everyone else, and every surface that leaves the desk
(API, exports, PDFs), only ever gets the masked value.

A personal-data field added to a complaint record is masked everywhere by naming it in ``PERSONAL_DATA``
(and, when its service records it on the timeline, its action in ``TIMELINE_ACTIONS``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

NAME = "name"
PHONE = "phone"
ACCOUNT = "account"  # bank account and card numbers, ID numbers
AMOUNT = "amount"
TEXT = "text"  # free text: long digit runs (phone, account numbers) and e-mail addresses in it are masked

# Record (app_label.ModelName) → its personal-data fields and how each is masked.
PERSONAL_DATA: dict[str, dict[str, str]] = {
    "measures.ComplaintCase": {
        "customer": NAME,
        "contact": PHONE,
        "amount": AMOUNT,
        "description": TEXT,
        "escalation_reason": TEXT,
        "outcome": TEXT,
    },
    "measures.Remedy": {"customer": NAME, "note": TEXT},
}
# Timeline actions whose payload holds one of those records' fields (the payload is masked the same way).
TIMELINE_ACTIONS: dict[str, str] = {
    "complaint_handler_assigned": "measures.ComplaintCase",
    "complaint_escalated_hq": "measures.ComplaintCase",
    "remedy_recorded": "measures.Remedy",
}

_DIGIT_RUN = re.compile(r"\d[\d \-]{5,}\d")  # 7+ characters of digits, spaces and dashes
_EMAIL = re.compile(r"([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)")  # the first letter and the domain stay


def _keep_last(digits: str, keep: int) -> str:
    return "*" * max(len(digits) - keep, 0) + digits[-keep:] if len(digits) > keep else "*" * len(digits)


def mask_value(kind: str, value: Any) -> Any:
    """How one value of ``kind`` is shown to a reader without the right."""
    if value is None or value == "":
        return value
    text = str(value)
    if kind == NAME:
        return text[0] + "*" * max(len(text) - 1, 2)
    if kind == PHONE:
        digits = re.sub(r"\D", "", text)
        return digits[:3] + "****" + digits[-4:] if len(digits) >= 11 else _keep_last(digits, 2)
    if kind == ACCOUNT:
        return _keep_last(re.sub(r"\D", "", text), 4)
    if kind == AMOUNT:
        return "***"
    text = _EMAIL.sub(lambda match: f"{match.group(1)}***@{match.group(2)}", text)
    return _DIGIT_RUN.sub(lambda match: _keep_last(re.sub(r"\D", "", match.group()), 4), text)


def fields_of(label: str) -> dict[str, str]:
    return PERSONAL_DATA.get(label, {})


def label_of(obj: Any) -> str:
    return obj._meta.label


def masked_mapping(label: str, data: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` (a row, a payload) with the record's personal fields masked."""
    fields = fields_of(label)
    return {key: mask_value(fields[key], value) if key in fields else value for key, value in data.items()}


def masked_payload(action: str, payload: Any) -> Any:
    """A timeline entry's payload as shown outside the desk's own record: masked for complaint actions."""
    label = TIMELINE_ACTIONS.get(action)
    if label is None or not isinstance(payload, dict):
        return payload
    return masked_mapping(label, payload)


def masked_comment(action: str, comment: str) -> str:
    """A timeline entry's comment: free text masked for complaint actions (an escalation reason, say)."""
    return mask_value(TEXT, comment) if action in TIMELINE_ACTIONS else comment


def masked_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A timeline row (``action``, maybe ``comment`` and ``payload``) as every surface shows it."""
    action = entry.get("action", "")
    if action not in TIMELINE_ACTIONS:
        return dict(entry)
    shown = dict(entry)
    if "comment" in shown:
        shown["comment"] = masked_comment(action, shown["comment"])
    if "payload" in shown:
        shown["payload"] = masked_payload(action, shown["payload"])
    return shown


REVEALED_SESSION_KEY = "security.revealed"


def reveal_once(request: Any, key: str) -> None:
    """The next view of the record's page shows this one record unmasked (the reveal is logged by the
    caller, with its reason, in the read log)."""
    request.session[REVEALED_SESSION_KEY] = [key]


def revealed(request: Any) -> set[str]:
    """The records revealed for this one view (taken from the session: a reload masks them again)."""
    return set(request.session.pop(REVEALED_SESSION_KEY, []))


def mask_instances(objects: list[Any], *, revealed: set[str] = frozenset()) -> list[Any]:  # type: ignore[assignment]
    """Mask, in place and for display only (never saved), the personal fields of model instances; those
    named in ``revealed`` (``"label:pk"``) stay as they are. Returns the list."""
    for obj in objects:
        label = label_of(obj)
        key = f"{label}:{obj.pk}"
        obj.personal_data_key = key
        if key in revealed or not fields_of(label):
            obj.personal_data_masked = False
            continue
        obj.personal_data_masked = True
        obj.save = _refuse_save
        for field, kind in fields_of(label).items():
            setattr(obj, field, mask_value(kind, getattr(obj, field)))
    return objects


def _refuse_save(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("a masked record is for display only")
