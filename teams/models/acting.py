from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActingLeader(models.Model):
    """The leader or the deputy names someone to act for them for a period (who, from, to, why): during it
    that person holds the decider's rights (``teams.selectors.actor_for``), is reached by the escalations
    addressed to the role, and every decision they record says whom they acted for. Four-eyes still applies.
    Rows are ended early (``ended_at``), never deleted."""

    class Role(models.TextChoices):
        LEADER = "leader", _("组长")
        DEPUTY = "deputy", _("副组长")

    person = models.ForeignKey(
        "teams.Person", verbose_name=_("代理人"), on_delete=models.PROTECT, related_name="acting_periods"
    )
    acts_for = models.CharField(_("代理职务"), max_length=10, choices=Role.choices)
    acts_for_person = models.ForeignKey(
        "teams.Person", verbose_name=_("被代理人"), on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    reason = models.CharField(_("理由"), max_length=300)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("指定人"), on_delete=models.PROTECT, related_name="+"
    )
    appointed_at = models.DateTimeField(_("指定时间"), auto_now_add=True)
    ended_at = models.DateTimeField(_("提前结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("代理组长/副组长")
        verbose_name_plural = _("代理组长/副组长")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["person", "starts_at", "ends_at"], name="acting_person_period")]

    def __str__(self) -> str:
        period = f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"
        return f"{self.person} → {self.get_acts_for_display()} ({period})"
