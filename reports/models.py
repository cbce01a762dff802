"""The post-incident investigation (Art. 19–21)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Investigation(models.Model):
    incident = models.OneToOneField(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="investigation"
    )
    direct_cause = models.TextField(_("直接原因"), blank=True)
    root_cause = models.TextField(_("根本原因"), blank=True)
    is_internal_cause = models.BooleanField(_("内部原因"), null=True, blank=True)
    consequences = models.TextField(_("后果"), blank=True)
    lessons_learned = models.TextField(_("经验教训"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("事后调查")
        verbose_name_plural = _("事后调查")

    def __str__(self) -> str:
        return f"#{self.incident_id}"

    REQUIRED_FIELDS = ("direct_cause", "root_cause", "is_internal_cause", "consequences", "lessons_learned")

    def missing_fields(self) -> list[str]:
        return [name for name in self.REQUIRED_FIELDS if getattr(self, name) in ("", None)]
