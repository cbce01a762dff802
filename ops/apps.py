from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """How the desk keeps itself up and watches itself: the scheduler leader, health, metrics, failover."""

    name = "ops"
    verbose_name = _("运行保障")

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the sweep heartbeat
