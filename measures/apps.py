from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    """The plans' own measures (DESIGN §4) beyond the checklist: the A/B rotation roster and the evacuation
    roll call of the sudden-event plan (Art. 14), and the major-complaint plan's records (Art. 14-bis)."""

    name = "measures"
    verbose_name = _("预案措施")

    def ready(self) -> None:
        from incidents import extensions

        from . import selectors

        extensions.register_inbox_decisions(selectors.decisions_waiting_for)
