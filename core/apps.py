from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The bottom layer: what every app shares (refusals, the read-only admin, the page helpers). It knows
    no domain app."""

    name = "core"
    verbose_name = _("公共")
