"""Writes of the monitoring app (DESIGN §5, Art. 7): interval figures in, system status in, and the
early-warning rules that judge them — one module per concern:

- ``validation``: what an integrator sends, checked in plain Python, and the derived rates;
- ``ingest``: storing a batch of figures (one upsert, advisory lock per queue) and judging it;
- ``judging``: the rules over a queue's figures — pure, testable without the database;
- ``warnings``: a firing → an ``EarlyWarning`` and the incident of its source key;
- ``systems``: system down/up events and the outage incident (Art. 2).

Callers import this package (``from monitoring import services``); what they use is re-exported here.
"""

from __future__ import annotations

from .ingest import IngestResult, active_rules, interval_figures_ingest
from .judging import FigureRow, Firing, crosses, judge, judged_value
from .systems import SystemEventResult, system_event_record
from .validation import MAX_BATCH, derived_rates, figure_values_from, rate
from .warnings import audience_of

__all__ = [
    "MAX_BATCH",
    "FigureRow",
    "Firing",
    "IngestResult",
    "SystemEventResult",
    "active_rules",
    "audience_of",
    "crosses",
    "derived_rates",
    "figure_values_from",
    "interval_figures_ingest",
    "judge",
    "judged_value",
    "rate",
    "system_event_record",
]
