from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = _("应急组织")

    def ready(self) -> None:
        from . import signals  # noqa: F401
