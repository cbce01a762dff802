"""What a write can refuse, so pages answer with a message and the API with 400/403/404/409 — never 500."""

from __future__ import annotations

from typing import Any


class IncidentError(Exception):
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
