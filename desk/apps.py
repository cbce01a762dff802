from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """The project level: what needs to know every app (the demo seeds). Nothing imports it."""

    name = "desk"
    verbose_name = _("应急指挥台")
