from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("应急事件")

    def ready(self) -> None:
        from . import events, regulator

        # Art. 10: ``close`` is refused while a regulator deadline is open (asked before the reports app's
        # guard: this app is installed first).
        events.guard_transition("close", regulator.require_none_open)
