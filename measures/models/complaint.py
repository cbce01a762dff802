"""The major-complaint (reputation) plan's records (Art. 14-bis). Each row is written once through
``measures.services`` together with one timeline entry on the incident; decisions are new fields set once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class _Recorded(models.Model):
    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))

    class Meta:
        abstract = True
        ordering = ["incident_id", "recorded_at"]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self._meta.verbose_name} {self.recorded_at:%Y-%m-%d %H:%M}"


class MediaReport(_Recorded):
    """Art. 14-bis (1): a negative report by mainstream media."""

    class Tone(models.TextChoices):
        NEGATIVE = "negative", _("负面")
        NEUTRAL = "neutral", _("中性")
        UNTRUE = "untrue", _("不实（需澄清）")

    outlet = models.CharField(_("媒体"), max_length=200)
    link = models.URLField(_("链接"), blank=True)
    reach = models.PositiveIntegerField(_("传播量（阅读/转发）"), default=0)
    tone = models.CharField(_("倾向"), max_length=10, choices=Tone.choices, default=Tone.NEGATIVE)
    summary = models.TextField(_("内容摘要"), blank=True)

    class Meta(_Recorded.Meta):
        verbose_name = _("媒体报道")
        verbose_name_plural = _("媒体报道")

    def __str__(self) -> str:
        return super().__str__()


class ReputationAssessment(_Recorded):
    """Art. 14-bis (1): the Major-Complaint Group assesses the damage to reputation."""

    class Level(models.TextChoices):
        LOW = "low", _("轻微")
        MEDIUM = "medium", _("较大")
        HIGH = "high", _("严重")

    level = models.CharField(_("声誉损害程度"), max_length=10, choices=Level.choices)
    assessment = models.TextField(_("评估意见"))
    countermeasures = models.TextField(_("应对和补救措施"), blank=True)

    class Meta(_Recorded.Meta):
        verbose_name = _("声誉损害评估")
        verbose_name_plural = _("声誉损害评估")

    def __str__(self) -> str:
        return super().__str__()


class DisputePlan(_Recorded):
    """Art. 14-bis (2): the dispute-resolution plan, carried out only after the Leadership Group approves."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待领导小组批准")
        APPROVED = "approved", _("已批准，可实施")
        REJECTED = "rejected", _("未获批准")

    text = models.TextField(_("纠纷解决方案"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_comment = models.TextField(_("审批意见"), blank=True)
    # Issue 13: the plan is a measure — an owner carries it out by a due time, with evidence when done.
    owner = models.ForeignKey(
        "teams.Person",
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("留空为牵头工作小组组长"),
    )
    owner_role = models.CharField(_("责任角色"), max_length=30, blank=True, default="lead_group_lead")
    due_at = models.DateTimeField(_("完成时限"), null=True, blank=True)
    done_at = models.DateTimeField(_("实施完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("完成登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    evidence = models.TextField(_("实施情况/证据"), blank=True)

    class Meta(_Recorded.Meta):
        verbose_name = _("纠纷解决方案")
        verbose_name_plural = _("纠纷解决方案")

    def __str__(self) -> str:
        return super().__str__()


class LegalReferral(_Recorded):
    """Art. 14-bis (4): disputes and cases involving litigation go to the legal department."""

    case_summary = models.TextField(_("案件摘要"))
    reference = models.CharField(_("移交编号"), max_length=100, blank=True)

    class Meta(_Recorded.Meta):
        verbose_name = _("法律移交")
        verbose_name_plural = _("法律移交")

    def __str__(self) -> str:
        return super().__str__()


class ComplaintCase(_Recorded):
    """Art. 14-bis (5): a major or walk-in complaint with a named handler; escalated to head-office service
    management when necessary."""

    customer = models.CharField(_("客户"), max_length=200)
    description = models.TextField(_("投诉内容"))
    is_walk_in = models.BooleanField(_("客户上门投诉"), default=False)
    handler = models.ForeignKey(
        "teams.Person", verbose_name=_("指定处理人"), on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField(_("上报总行服务管理部门时间"), null=True, blank=True)
    escalation_reason = models.TextField(_("上报理由"), blank=True)
    # Issue 13, "complaints one by one": a mass complaint holds many complaints, each with its own clock
    # (15 days, 30 for a complex one, longer on an approved extension) from its registration.
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    amount = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    is_complex = models.BooleanField(_("复杂投诉（30日）"), default=False)
    extension_days = models.PositiveSmallIntegerField(_("已批准延期（天）"), default=0)
    is_open = models.BooleanField(_("处理中"), default=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办结人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.TextField(_("办结情况"), blank=True)
    # an extension is asked for (by the complaint's owner) and approved by the Leadership Group (four-eyes)
    extension_requested_days = models.PositiveSmallIntegerField(_("申请延期（天）"), default=0)
    extension_request_reason = models.TextField(_("延期理由"), blank=True)
    extension_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("延期申请人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    extension_requested_at = models.DateTimeField(_("延期申请时间"), null=True, blank=True)

    class Meta(_Recorded.Meta):
        verbose_name = _("投诉专人处理")
        verbose_name_plural = _("投诉专人处理")

    def __str__(self) -> str:
        return super().__str__()

    # the measure-owner rule (``incidents.policies.may_complete_measure``) reads these two
    @property
    def owner(self) -> Any:
        return self.handler

    owner_role = ""

    @property
    def limit_days(self) -> int:
        return (30 if self.is_complex else 15) + self.extension_days

    @property
    def extension_pending(self) -> bool:
        return self.extension_requested_at is not None

    @property
    def due_at(self) -> Any:
        return self.recorded_at + timedelta(days=self.limit_days)


class ComplaintCloseWaiver(_Recorded):
    """Issue 13: the incident closes while complaints are still open only when the Leadership Group
    records why; the close stops their clocks (the desk no longer chases them)."""

    reason = models.TextField(_("未办结投诉时结案的理由"))

    class Meta(_Recorded.Meta):
        verbose_name = _("带未办结投诉结案的说明")
        verbose_name_plural = _("带未办结投诉结案的说明")

    def __str__(self) -> str:
        return super().__str__()


class Remedy(_Recorded):
    """Art. 14-bis (6): the remedies offered to a customer."""

    class Kind(models.TextChoices):
        BLACKLIST_ADD = "blacklist_add", _("加入系统黑名单")
        BLACKLIST_REMOVE = "blacklist_remove", _("移出系统黑名单")
        BRANCH_HELP = "branch_help", _("分支机构协助")
        GIFT_OR_POINTS = "gift_or_points", _("礼品或积分")
        HOME_VISIT = "home_visit", _("上门致歉或解释")

    kind = models.CharField(_("补救措施"), max_length=20, choices=Kind.choices)
    customer = models.CharField(_("客户"), max_length=200)
    note = models.TextField(_("说明"), blank=True)

    class Meta(_Recorded.Meta):
        verbose_name = _("补救措施")
        verbose_name_plural = _("补救措施")

    def __str__(self) -> str:
        return super().__str__()
