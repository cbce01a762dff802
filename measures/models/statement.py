"""Art. 14-bis (3): an untrue media report is clarified on the facts — a statement drafted by the complaint
group, vetted by the head-office general office (four-eyes: never its author), then published with the
channel and time. Each step is one timeline entry; the vetting is a hand-off that waits for an
acknowledgement."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ClarificationStatement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿·待总行办公室审核")
        VETTED = "vetted", _("已审核·待发布")
        RETURNED = "returned", _("退回修改")
        PUBLISHED = "published", _("已发布")

    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="+"
    )
    media_report = models.ForeignKey(
        "measures.MediaReport",
        verbose_name=_("所澄清的报道"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("澄清声明"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起草人"), on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField(_("起草时间"))
    vetted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    vetted_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    vet_comment = models.TextField(_("审核意见"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    channel = models.CharField(_("发布渠道"), max_length=200, blank=True)
    # Issue 13: the step that waits (vetting, then publication) has an owner and this due time
    step_due_at = models.DateTimeField(_("当前步骤完成时限"), null=True, blank=True)

    class Meta:
        verbose_name = _("澄清声明")
        verbose_name_plural = _("澄清声明")
        ordering = ["incident_id", "-drafted_at"]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.get_status_display()}"

    # The waiting step as a measure (``incidents.policies.may_complete_measure``): a draft waits for the
    # head-office general office alone (it vets; four-eyes), a vetted statement for its author to publish.
    @property
    def is_waiting(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.VETTED)

    @property
    def owner_only(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def owner_role(self) -> str:
        return "hq_general_office" if self.status == self.Status.DRAFT else ""

    @property
    def owner(self) -> Any:
        if self.status == self.Status.DRAFT:
            return None
        return getattr(self.drafted_by, "person", None) if self.drafted_by_id else None

    @property
    def due_at(self) -> Any:
        return self.step_due_at

    @property
    def step_title(self) -> str:
        return str(_("澄清声明待总行办公室审核") if self.status == self.Status.DRAFT else _("澄清声明待发布"))
