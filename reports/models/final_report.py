"""The post-incident (special) report as filed at ``close``: frozen, hashed, and protected by the database."""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _


class FinalReport(models.Model):
    incident = models.OneToOneField(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="final_report"
    )
    content = models.JSONField(_("报告内容"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    html_zh = models.TextField(_("报告（中文）"))
    html_en = models.TextField(_("报告（英文）"))
    closed_at = models.DateTimeField(_("结案时间"))

    class Meta:
        verbose_name = _("专门报告（已结案）")
        verbose_name_plural = _("专门报告（已结案）")
        triggers = [
            # A filed report never changes: the check against a printed copy's hash must always hold.
            pgtrigger.Protect(name="final_report_immutable", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.sha256[:12]}"
