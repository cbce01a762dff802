from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.plans import ApprovalSlot


class TerminationApproval(models.Model):
    """One approver's decision on one termination request (Art. 15–17). Rows are never changed:
    a rejected request is followed by a new round."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("批准终止")
        REJECT = "reject", _("驳回终止")

    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="approvals"
    )
    round = models.PositiveIntegerField(_("轮次"))
    slot = models.CharField(_("审批方"), max_length=30, choices=ApprovalSlot.choices)
    decision = models.CharField(_("决定"), max_length=10, choices=Decision.choices)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), on_delete=models.PROTECT, related_name="+"
    )
    approver_name = models.CharField(_("审批人姓名"), max_length=150)
    comment = models.TextField(_("意见"), blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("终止审批")
        verbose_name_plural = _("终止审批")
        ordering = ["incident_id", "round", "at"]
        constraints = [
            # Two approvers racing for the same slot: the database keeps exactly one.
            models.UniqueConstraint(
                fields=["incident", "round", "slot"],
                condition=models.Q(decision="approve"),
                name="one_approval_per_slot_per_round",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="approval_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"#{self.incident_id} r{self.round} {self.slot} {self.decision}"
