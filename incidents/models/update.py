from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgressUpdate(models.Model):
    """最新进展 (Art. 10): what the working group reports as things develop."""

    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="updates"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报告人"), on_delete=models.PROTECT)
    text = models.TextField(_("进展"))
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("最新进展")
        verbose_name_plural = _("最新进展")
        ordering = ["incident_id", "at"]
        triggers = [
            # The incident's search document covers its updates (Incident.search_document).
            pgtrigger.Trigger(
                name="progress_update_search",
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func="UPDATE incidents_incident SET search_document = desk_incident_search_document("
                "id, title, description) WHERE id = COALESCE(NEW.incident_id, OLD.incident_id); RETURN NULL;",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"incidents/{instance.incident_id}/{instance.sha256[:16]}-{filename}"


class Attachment(models.Model):
    """Evidence files, stored with a SHA-256 checksum so a restored or filed copy can be checked."""

    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="attachments"
    )
    update = models.ForeignKey(
        ProgressUpdate,
        verbose_name=_("所属进展"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(_("文件"), upload_to=attachment_path)
    name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT
    )
    at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["incident_id", "at"]

    def __str__(self) -> str:
        return self.name
