"""The refusals moved to ``core.errors`` (issue 11); this name is kept so imports in flight keep working."""

from core.errors import Conflict, Forbidden, IncidentError, IncidentNotFound, Invalid, UnknownTransition

__all__ = ["Conflict", "Forbidden", "IncidentError", "IncidentNotFound", "Invalid", "UnknownTransition"]
