"""The states of an incident (Art. 5) — the enum the state machine (``models.Incident``) is built on, kept
apart from the model so the permission rules (``policies``) can name states without importing the model."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    MONITORING = "monitoring", _("监测预警")  # Art. 7
    REPORTED = "reported", _("已报告·待决策")  # Art. 8
    ACTIVATED = "activated", _("已启动")  # Art. 9, 11
    EXECUTING = "executing", _("实施中")  # Art. 10–14
    TERMINATION_REQUESTED = "termination_requested", _("申请终止")  # Art. 15–17
    TERMINATED = "terminated", _("已终止")  # Art. 18
    INVESTIGATING = "investigating", _("事后调查")  # Art. 19–21
    CLOSED = "closed", _("已结案")
    DISMISSED = "dismissed", _("已解除")  # Art. 9: not activated / false alarm / recovered


OPEN_STATES = (
    State.MONITORING,
    State.REPORTED,
    State.ACTIVATED,
    State.EXECUTING,
    State.TERMINATION_REQUESTED,
)

# The plan runs from its activation until the termination is approved (Art. 9–17): the plan's measures are
# taken, followed and chased, and a kind correction changes the checklist, only in these states. The one
# place that says so — measures, the checklist and the measure clocks read it.
PLAN_RUNNING_STATES = (State.ACTIVATED, State.EXECUTING, State.TERMINATION_REQUESTED)


def plan_running(state: str) -> bool:
    return state in PLAN_RUNNING_STATES
