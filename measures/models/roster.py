"""Art. 14 (1): all staff split into groups A and B serving alternately, for periods of one day to a week."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class RotationRoster(models.Model):
    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="rosters"
    )
    starts_on = models.DateField(_("起始日期"))
    period_days = models.PositiveSmallIntegerField(
        _("轮换周期（天）"), validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("生成人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("生成时间"))

    class Meta:
        verbose_name = _("A/B轮换排班")
        verbose_name_plural = _("A/B轮换排班")
        ordering = ["incident_id", "-created_at"]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.starts_on} /{self.period_days}d"

    def group_on(self, day: date) -> str:
        """Which group serves on ``day``: A for the first period, then B, alternately."""
        periods = (day - self.starts_on).days // self.period_days
        return "A" if periods % 2 == 0 else "B"

    def schedule(self, *, periods: int = 4) -> list[tuple[date, date, str]]:
        rows = []
        for index in range(periods):
            first = self.starts_on + timedelta(days=index * self.period_days)
            last = first + timedelta(days=self.period_days - 1)
            rows.append((first, last, "A" if index % 2 == 0 else "B"))
        return rows


class RosterAssignment(models.Model):
    class Group(models.TextChoices):
        A = "A", _("A组")
        B = "B", _("B组")

    roster = models.ForeignKey(RotationRoster, on_delete=models.CASCADE, related_name="assignments")
    person = models.ForeignKey(
        "teams.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+"
    )
    group = models.CharField(_("组别"), max_length=1, choices=Group.choices)
    line = models.CharField(_("一线/二线"), max_length=10)
    skills = models.CharField(_("技能"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("轮换分组")
        verbose_name_plural = _("轮换分组")
        ordering = ["roster_id", "group", "line", "person__name"]
        constraints = [models.UniqueConstraint(fields=["roster", "person"], name="one_group_per_person")]

    def __str__(self) -> str:
        return f"{self.person} → {self.group}"
