from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """How the desk keeps itself up and watches itself: the scheduler leader, health, metrics, failover."""

    name = "ops"
    verbose_name = _("运行保障")

    def ready(self) -> None:
        from escalation import services as escalation_services
        from escalation.models import TimerKind

        from . import pack, signals  # noqa: F401 - signals connects the sweep heartbeat

        escalation_services.register_system_timer(TimerKind.EMERGENCY_PACK, pack.fire_pack_timer)
