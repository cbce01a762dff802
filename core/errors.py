"""What a write can refuse, so pages answer with a message and the API with 400/403/404/409 — never 500 —
and the refusals every app shares, written once."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


class IncidentError(Exception):
    """A write refused; ``status`` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, message: str, *, detail: Any = None):
        super().__init__(message)
        self.message = message
        self.detail = detail


class UnknownTransition(IncidentError):
    status = 404


class IncidentNotFound(IncidentError):
    status = 404


class Forbidden(IncidentError):
    status = 403


class SecondFactorRequired(Forbidden):
    """A decision without a fresh second factor (``security.second_factor``): the page sends the user to
    verify, the API answers 403 with the reason."""


class Conflict(IncidentError):
    """Not allowed from the current state, or someone else acted first."""

    status = 409

    def __init__(self, message: str, *, current_state: str, detail: Any = None):
        super().__init__(message, detail=detail)
        self.current_state = current_state


class Invalid(IncidentError):
    """Invalid fields: ``detail`` maps field names to lists of messages."""

    status = 400


# --- the shared refusals (functions, so each is translated in the language of the request) ------------


def read_only_message() -> str:
    return _("审计人员只读，不能进行任何操作。")


def not_allowed_message() -> str:
    return _("您的角色不能执行此操作。")


def closed_message() -> str:
    return _("事件已结案，记录不可更改。")


def wrong_state_message(state_label: str) -> str:
    return _("当前状态为“%(state)s”，不能执行此操作（可能已有他人处理）。") % {"state": state_label}


def not_found_message() -> str:
    return _("事件不存在。")


def invalid_fields_message() -> str:
    return _("请更正标出的字段。")
