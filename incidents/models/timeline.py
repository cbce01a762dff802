"""The append-only, tamper-evident record of everything that happened to an incident (DESIGN §3).

Append-only is enforced by PostgreSQL (a pgtrigger refusing UPDATE and DELETE), tamper-evidence by a
hash chain per incident: each entry's hash covers its content and the previous entry's hash, so a row
altered behind the app's back breaks the chain at that row (``manage.py verify_timeline``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class TimelineEntry(models.Model):
    class Kind(models.TextChoices):
        TRANSITION = "transition", _("状态变更")
        ACTION = "action", _("处置动作")

    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="timeline"
    )
    seq = models.PositiveIntegerField(_("序号"))
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150)
    actor_role = models.CharField(_("操作人角色"), max_length=40, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    action = models.CharField(_("动作"), max_length=50)
    from_state = models.CharField(_("原状态"), max_length=30, blank=True)
    to_state = models.CharField(_("新状态"), max_length=30, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    payload = models.JSONField(_("数据"), default=dict, blank=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64)

    class Meta:
        verbose_name = _("时间线记录")
        verbose_name_plural = _("时间线记录")
        ordering = ["incident_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["incident", "seq"], name="timeline_one_entry_per_seq")]
        triggers = [
            pgtrigger.Protect(name="timeline_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"#{self.incident_id}.{self.seq} {self.action}"

    def content(self) -> dict[str, Any]:
        """What the hash covers. Times in UTC ISO form so the hash does not depend on the display zone."""
        return {
            "incident": self.incident_id,
            "seq": self.seq,
            "at": self.at.astimezone(UTC).isoformat(),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "actor_role": self.actor_role,
            "kind": self.kind,
            "action": self.action,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "comment": self.comment,
            "payload": self.payload,
        }

    def compute_hash(self) -> str:
        body = json.dumps(
            self.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
        )
        return hashlib.sha256((self.prev_hash + body).encode("utf-8")).hexdigest()
