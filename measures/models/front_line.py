"""Art. 14 (1): "move second-line staff to the front line" — for this incident only, recorded person by
person (who, when, by whom) and ended when the incident terminates. It changes the person's line on this
incident's roster; it grants no rights (rights come from memberships and parties only)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FrontLineMove(models.Model):
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("事件"),
        on_delete=models.PROTECT,
        related_name="front_line_moves",
    )
    person = models.ForeignKey(
        "teams.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+"
    )
    moved_at = models.DateTimeField(_("调入一线时间"))
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("决定人"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    ended_at = models.DateTimeField(_("恢复二线时间"), null=True, blank=True)
    ended_reason = models.CharField(_("恢复原因"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("二线调入一线")
        verbose_name_plural = _("二线调入一线")
        ordering = ["incident_id", "-moved_at", "person__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "person"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_front_line_move_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.person_id} → first"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None
