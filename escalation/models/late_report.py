from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LateReport(models.Model):
    """缓报 (Art. 21): detection-to-report time measured at the first ``report``, judged against the
    policy threshold in force then. Kept for every reported incident, late or not, so the finding shows
    its figures."""

    incident = models.OneToOneField(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.CASCADE, related_name="late_report"
    )
    detected_at = models.DateTimeField(_("发现时间"))
    reported_at = models.DateTimeField(_("报告时间"))
    delay_seconds = models.PositiveIntegerField(_("发现至报告（秒）"))
    threshold_seconds = models.PositiveIntegerField(_("缓报阈值（秒）"))
    is_late = models.BooleanField(_("缓报"), default=False)

    class Meta:
        verbose_name = _("缓报判定")
        verbose_name_plural = _("缓报判定")

    def __str__(self) -> str:
        return f"#{self.incident_id} {'缓报' if self.is_late else '按时'}"
