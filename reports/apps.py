from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("事后调查与报告")

    def ready(self) -> None:
        from incidents import extensions

        from . import selectors

        extensions.register_incident_actions(selectors.investigation_actions)
