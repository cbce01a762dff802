"""The plans' measures (DESIGN §4) as checklists: a versioned template per plan, copied onto the incident
at activation so that editing a template never changes a running incident."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incidents.plans import IncidentKind, Plan


class OwnerRole(models.TextChoices):
    LEAD_GROUP_LEAD = "lead_group_lead", _("牵头工作小组组长")
    DEPUTY = "deputy", _("副组长（现场主管）")
    LEADER = "leader", _("组长（总经理）")
    TECH_SUPPORT = "tech_support", _("系统维护和技术支持部门")
    HQ_GENERAL_OFFICE = "hq_general_office", _("总行办公室")
    BUILDING_SECURITY = "building_security", _("大厦安全保卫负责人")
    LEGAL = "legal", _("法律事务管理部门")


class Recurrence(models.TextChoices):
    NONE = "", _("一次")
    WEEKLY_FRIDAY = "weekly_friday", _("每周五")  # Art. 14 (2): disinfection every Friday


def kinds_field() -> ArrayField:
    """The kinds of event a measure applies to (Art. 14); empty: every kind (a measure common to all)."""
    return ArrayField(
        models.CharField(max_length=30, choices=IncidentKind.choices),
        verbose_name=_("适用事件种类"),
        default=list,
        blank=True,
        help_text=_("留空表示适用于所有种类"),
    )


class ChecklistTemplate(models.Model):
    plan = models.CharField(_("预案"), max_length=20, choices=Plan.choices)
    version = models.PositiveIntegerField(_("版本"))
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预案措施模板")
        verbose_name_plural = _("预案措施模板")
        ordering = ["plan", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="one_template_version_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.get_plan_display()} v{self.version}"


class ChecklistTemplateItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("顺序"))
    code = models.SlugField(_("措施代码"), max_length=50)
    title = models.CharField(_("措施"), max_length=200)
    article = models.CharField(_("预案条款"), max_length=40, blank=True)
    owner_role = models.CharField(_("责任人"), max_length=30, choices=OwnerRole.choices)
    due_after_minutes = models.PositiveIntegerField(_("启动后时限（分钟）"))
    recurrence = models.CharField(
        _("重复"), max_length=20, choices=Recurrence.choices, default="", blank=True
    )
    kinds = kinds_field()

    class Meta:
        verbose_name = _("模板措施")
        verbose_name_plural = _("模板措施")
        ordering = ["template", "position"]

    def __str__(self) -> str:
        return self.title


class ChecklistItemQuerySet(models.QuerySet["ChecklistItem"]):
    """The one rule for which measures still wait (issue 12): not done and not withdrawn."""

    def open(self) -> ChecklistItemQuerySet:
        return self.filter(done_at__isnull=True, withdrawn_at__isnull=True)

    def withdrawn(self) -> ChecklistItemQuerySet:
        return self.filter(withdrawn_at__isnull=False)


class ChecklistItem(models.Model):
    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="checklist"
    )
    template_item = models.ForeignKey(
        ChecklistTemplateItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    template_version = models.PositiveIntegerField(_("模板版本"), null=True, blank=True)
    position = models.PositiveIntegerField(_("顺序"))
    code = models.SlugField(_("措施代码"), max_length=50)
    title = models.CharField(_("措施"), max_length=200)
    article = models.CharField(_("预案条款"), max_length=40, blank=True)
    owner_role = models.CharField(_("责任角色"), max_length=30, choices=OwnerRole.choices)
    owner = models.ForeignKey(
        "teams.Person",
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_at = models.DateTimeField(_("完成时限"))
    recurrence = models.CharField(
        _("重复"), max_length=20, choices=Recurrence.choices, default="", blank=True
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("完成人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    evidence = models.TextField(_("完成情况/证据"), blank=True)
    kinds = kinds_field()
    # issue 12: a measure the kind correction no longer asks for is withdrawn, never deleted — the record
    # keeps that it existed, its owner and due time, and when, by whom and why it was withdrawn
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_reason = models.TextField(_("撤销原因"), blank=True)

    objects = ChecklistItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("预案措施")
        verbose_name_plural = _("预案措施")
        ordering = ["incident_id", "position", "due_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_open(self) -> bool:
        """Still waiting: neither done nor withdrawn (``ChecklistItem.objects.open()`` in a query)."""
        return self.done_at is None and self.withdrawn_at is None

    @property
    def title_display(self) -> str:
        """The title in the reader's language (``measure_title``); the stored Chinese title is the record."""
        return measure_title(self.title)

    @property
    def kinds_display(self) -> list[str]:
        return [str(IncidentKind(kind).label) for kind in self.kinds if kind in IncidentKind.values]


def measure_title(title: str) -> str:
    """A measure's title is the plan's words, then ``：`` and what the person recording it typed (Art. 18's
    "协助恢复正常秩序：恢复坐席排班"): the plan's words are translated for the reader, the detail stays as
    typed."""
    words, colon, detail = title.partition("：")
    if not colon:
        return gettext(title)
    return gettext("%(measure)s：%(detail)s") % {"measure": gettext(words), "detail": detail}


def applies_to(kinds: list[str], kind: str) -> bool:
    """A measure applies to an incident of ``kind`` when it is common (no kinds) or tagged with that kind;
    while the kind is not known (blank) every measure applies, so none is missed (docs/decisions.md)."""
    return not kinds or not kind or kind in kinds
