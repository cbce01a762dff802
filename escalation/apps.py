from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = _("时限与升级提醒")

    def ready(self) -> None:
        from incidents import contributions

        from . import (
            checks,  # noqa: F401  (registers the deploy checks)
            handlers,
            selectors,
        )

        handlers.connect()
        contributions.add_deadline_source(selectors.deadlines_for_incidents)
