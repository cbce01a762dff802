from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("事后调查与报告")

    def ready(self) -> None:
        from incidents import contributions

        from . import handlers, selectors

        handlers.connect()
        contributions.add_action_source(selectors.investigation_actions)
