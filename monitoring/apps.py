from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("监测预警")

    def ready(self) -> None:
        from incidents import contributions

        from . import selectors

        contributions.add_figures_source(selectors.latest_centre_figures)
