from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    """The plans' own measures (DESIGN §4) beyond the checklist: the A/B rotation roster and the evacuation
    roll call of the sudden-event plan (Art. 14), and the major-complaint plan's records (Art. 14-bis)."""

    name = "measures"
    verbose_name = _("预案措施")

    def ready(self) -> None:
        from escalation import services as escalation_services
        from incidents import contributions, events

        from . import clocks, selectors
        from .services import complaint_cases as complaints
        from .services import front_line

        contributions.add_decision_source(lambda user: selectors.pending_decisions(user=user))
        # issue 12: the roll call's missing people on the board's card and the incident page
        contributions.add_alert_source(selectors.roll_call_alerts)
        # a kind correction keeps the roll-call item open while people are still being accounted for
        contributions.add_keep_open_source(selectors.roll_call_keeps_open)
        escalation_services.timer_handler(clocks.CASE_REMINDER, clocks.fire_complaint_case_reminder)
        clocks.register()  # the complaint, the dispute plan and the statement on the one overdue clock
        events.guard_transition("close", complaints.require_closed_or_waived)
        # Art. 14 (1): second-line people moved to the front go back when the incident terminates
        events.subscribe(events.IncidentTransitioned, front_line.second_line_end)
