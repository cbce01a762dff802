"""The plan's vocabulary as data: categories (Art. 2), plans (Art. 12), their lead groups, grades, and the
termination approvers of each plan (Art. 15–17). One place; the model, services and UI read from here."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    SYSTEM_OUTAGE = "system_outage", _("系统故障（网络设备或应用系统）")  # Art. 2 (一)
    FUND_LOSS = "fund_loss", _("操作失误或解释错误导致重大资金损失")  # Art. 2 (二)
    DISASTER = "disaster", _("自然灾害、疫情、停电、火灾、刑事案件、人为破坏")  # Art. 2 (三)
    SERVICE_LEVEL = "service_level", _("接通率、服务水平严重异常")  # Art. 2 (四)
    BUSINESS_DISPUTE = "business_dispute", _("重大业务纠纷 / 群体性投诉 / 负面舆情")  # Art. 2 (五)
    OTHER = "other", _("其它无法正常对外服务的事件")  # Art. 2 (六)


class Plan(models.TextChoices):
    PHONE = "phone", _("电话接通应急预案")  # Art. 13
    COMPLAINT = "complaint", _("重大投诉（社会声誉）应急预案")  # Art. 14-bis
    SUDDEN = "sudden", _("突发事件应急预案")  # Art. 14


class IncidentKind(models.TextChoices):
    """The kind of sudden event (Art. 14: epidemic, fire, theft/robbery, natural disaster; Art. 2 (三) adds
    the large-scale power cut and man-made events): the sudden-event plan's measures depend on it."""

    FIRE = "fire", _("火灾")  # Art. 14 (三)
    EPIDEMIC = "epidemic", _("重大疾病疫情")  # Art. 14 (二)
    THEFT_ROBBERY = "theft_robbery", _("盗抢")  # Art. 14 (三)
    NATURAL_DISASTER = "natural_disaster", _("自然灾害")  # Art. 14
    POWER_CUT = "power_cut", _("大面积停电")  # Art. 2 (三)
    OTHER = "other", _("其他突发事件（暴力犯罪、人为破坏等）")  # Art. 2 (三)


class Grade(models.TextChoices):
    I = "I", _("Ⅰ级 特别重大")  # noqa: E741
    II = "II", _("Ⅱ级 重大")
    III = "III", _("Ⅲ级 较大")
    IV = "IV", _("Ⅳ级 一般")


class ApprovalSlot(models.TextChoices):
    """Whose approval a termination needs (Art. 15–17)."""

    LEADERSHIP = "leadership", _("领导小组")
    BUILDING_SECURITY = "building_security", _("大厦安全保卫负责人")
    HQ_GENERAL_OFFICE = "hq_general_office", _("总行办公室")


DEFAULT_PLAN: dict[str, str | None] = {
    Category.SYSTEM_OUTAGE: Plan.PHONE,
    Category.FUND_LOSS: Plan.COMPLAINT,
    Category.DISASTER: Plan.SUDDEN,
    Category.SERVICE_LEVEL: Plan.PHONE,
    Category.BUSINESS_DISPUTE: Plan.COMPLAINT,
    Category.OTHER: None,  # chosen by the Leadership Group at activation
}

# Each plan is led by the working group of the same code (teams.Team.Code).
LEAD_GROUP_OF_PLAN: dict[str, str] = {Plan.PHONE: "phone", Plan.COMPLAINT: "complaint", Plan.SUDDEN: "sudden"}

TERMINATION_APPROVALS: dict[str, tuple[str, ...]] = {
    Plan.PHONE: (ApprovalSlot.LEADERSHIP,),  # Art. 15
    Plan.SUDDEN: (ApprovalSlot.LEADERSHIP, ApprovalSlot.BUILDING_SECURITY),  # Art. 16
    Plan.COMPLAINT: (ApprovalSlot.LEADERSHIP, ApprovalSlot.HQ_GENERAL_OFFICE),  # Art. 17
}


# The plans whose measures depend on the kind of event (only the sudden-event plan, Art. 14).
PLANS_WITH_KINDS: tuple[str, ...] = (Plan.SUDDEN,)


def kind_applies(*, plan: str | None, category: str) -> bool:
    """Whether an incident of this plan (or, before activation, this category) has a kind of event: its plan
    is one with kinds, or its plan is not chosen yet and the category leads to one or to the Leadership
    Group's choice (Art. 2 (六))."""
    if plan:
        return plan in PLANS_WITH_KINDS
    default = DEFAULT_PLAN.get(category)
    return default is None or default in PLANS_WITH_KINDS


def default_plan_for(category: str) -> str | None:
    return DEFAULT_PLAN.get(category)


def lead_group_for(plan: str | None) -> str | None:
    return LEAD_GROUP_OF_PLAN.get(plan) if plan else None


def required_approvals(plan: str | None) -> tuple[str, ...]:
    return TERMINATION_APPROVALS.get(plan, (ApprovalSlot.LEADERSHIP,)) if plan else (ApprovalSlot.LEADERSHIP,)
