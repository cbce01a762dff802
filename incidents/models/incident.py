"""The incident and its lifecycle (Art. 5), as a django-fsm-2 state machine.

The transitions only declare the move: source, target, pure conditions and who may (``policies``).
They set the incident's own fields from already-validated data and never send, schedule or call out;
``incidents.services`` wraps each one in a locked transaction, writes the timeline and defers side effects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition

from incidents import policies
from incidents.plans import Category, Grade, IncidentKind, Plan, lead_group_for, required_approvals
from incidents.states import OPEN_STATES, State

__all__ = ["OPEN_STATES", "Incident", "RegulatorDecision", "State"]


class RegulatorDecision(models.TextChoices):
    PENDING = "pending", _("待领导小组决定")
    REPORT = "report", _("决定向监管部门报告")
    NO_REPORT = "no_report", _("决定不向监管部门报告")


SEARCH_DOCUMENT_OF_NEW_ROW = (
    "NEW.search_document := desk_incident_search_document(NEW.id, NEW.title, NEW.description); RETURN NEW;"
)


class Incident(models.Model):
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("情况描述"), blank=True)
    category = models.CharField(_("事件类别"), max_length=30, choices=Category.choices)
    plan = models.CharField(_("应急预案"), max_length=20, choices=Plan.choices, blank=True)
    # The kind of sudden event (Art. 14): which of the plan's measures apply. Blank: not known yet.
    kind = models.CharField(_("突发事件种类"), max_length=30, choices=IncidentKind.choices, blank=True)
    lead_group = models.ForeignKey(
        "teams.Team",
        verbose_name=_("牵头工作小组"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    grade = models.CharField(_("事件分级"), max_length=3, choices=Grade.choices, blank=True)
    grade_evidence = models.TextField(_("分级依据"), blank=True)
    is_drill = models.BooleanField(_("演练"), default=False)
    affected_system = models.CharField(_("受影响系统"), max_length=100, blank=True)
    source = models.CharField(
        _("来源"), max_length=40, default="manual", help_text=_("manual、rule:<规则> 或 system")
    )
    source_key = models.CharField(_("来源标识"), max_length=200, blank=True, db_index=True)
    related_incident = models.ForeignKey(
        "self",
        verbose_name=_("关联事件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recurrences",
    )

    state = FSMField(
        _("状态"), default=State.MONITORING, choices=State.choices, protected=True, db_index=True
    )

    detected_at = models.DateTimeField(_("发现时间"))
    started_at = models.DateTimeField(_("事件开始时间"), null=True, blank=True)
    reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决策时间"), null=True, blank=True)
    activated_at = models.DateTimeField(_("启动时间"), null=True, blank=True)
    executing_at = models.DateTimeField(_("开始实施时间"), null=True, blank=True)
    termination_requested_at = models.DateTimeField(_("申请终止时间"), null=True, blank=True)
    terminated_at = models.DateTimeField(_("终止时间"), null=True, blank=True)
    investigating_at = models.DateTimeField(_("启动调查时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    dismissed_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报告人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    situation = models.TextField(_("事件情况"), blank=True)
    impact = models.TextField(_("目前影响"), blank=True)
    damage_degree = models.TextField(_("损害程度预测"), blank=True)  # Art. 9
    damage_scale = models.TextField(_("损害规模预测"), blank=True)  # Art. 9
    on_scene_commander = models.ForeignKey(
        "teams.Person",
        verbose_name=_("现场指挥"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution_summary = models.TextField(_("处置情况总结"), blank=True)
    termination_deadline = models.DateTimeField(_("终止时限"), null=True, blank=True)  # Art. 15, 17
    termination_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("终止申请人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    termination_round = models.PositiveIntegerField(_("终止申请轮次"), default=0)
    investigators = models.ManyToManyField(
        "teams.Person", verbose_name=_("调查人员"), blank=True, related_name="+"
    )

    regulator_decision = models.CharField(
        _("向监管部门报告"),
        max_length=20,
        choices=RegulatorDecision.choices,
        default=RegulatorDecision.PENDING,
    )
    regulator_decided_at = models.DateTimeField(_("监管报告决定时间"), null=True, blank=True)
    regulator_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("监管报告决定人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # What the incident list's search finds (issue 12): title, description and every progress update, as
    # CJK bigrams and Latin words (SQL function desk_search_document, migration 0003). Kept by the database's
    # triggers below and on ProgressUpdate, whatever path writes the text.
    search_document = SearchVectorField(_("检索词"), null=True, editable=False)

    class Meta:
        verbose_name = _("应急事件")
        verbose_name_plural = _("应急事件")
        ordering = ["-detected_at", "-id"]
        indexes = [
            models.Index(fields=["state", "-detected_at"], name="incident_state_detected"),
            models.Index(fields=["category", "-detected_at"], name="incident_category_detected"),
            models.Index(fields=["-detected_at", "-id"], name="incident_detected_id"),
            # The incident list's other sorts (issue 12 profile): without them a sort by title or grade over a
            # common search word, or a category sorted by state, sorted thousands of rows for a page of 25.
            models.Index(fields=["title", "id"], name="incident_title_id"),
            models.Index(fields=["grade", "-detected_at", "-id"], name="incident_grade_detected"),
            models.Index(fields=["category", "state", "-detected_at", "-id"], name="incident_category_state"),
            GinIndex(fields=["search_document"], name="incident_search_document"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="incident_search_on_insert",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func=SEARCH_DOCUMENT_OF_NEW_ROW,
            ),
            pgtrigger.Trigger(
                name="incident_search_on_edit",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__title__df=pgtrigger.F("new__title"))
                | pgtrigger.Q(old__description__df=pgtrigger.F("new__description")),
                func=SEARCH_DOCUMENT_OF_NEW_ROW,
            ),
        ]

    def __str__(self) -> str:
        prefix = "【演练】" if self.is_drill else ""
        return f"{prefix}#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def required_approval_slots(self) -> tuple[str, ...]:
        return required_approvals(self.plan)

    # --- the lifecycle (DESIGN §3). Conditions are pure; permissions live in incidents.policies. ---

    @transition(field=state, source=State.MONITORING, target=State.REPORTED, permission=policies.may_report)
    def report(
        self, *, by: Any, at: datetime, situation: str, category: str, grade: str, impact: str
    ) -> None:
        self.situation = situation
        self.impact = impact
        if category != self.category:
            self.category = category
        self.grade = grade or self.grade
        self.reported_at = at
        self.reported_by = by

    @transition(field=state, source=State.MONITORING, target=State.DISMISSED, permission=policies.may_dismiss)
    def dismiss(self, *, at: datetime) -> None:
        self.dismissed_at = at

    @transition(field=state, source=State.DISMISSED, target=State.MONITORING, permission=policies.may_dismiss)
    def reopen(self, *, at: datetime) -> None:
        self.dismissed_at = None

    @transition(field=state, source=State.REPORTED, target=State.ACTIVATED, permission=policies.may_decide)
    def activate(
        self,
        *,
        at: datetime,
        damage_degree: str,
        damage_scale: str,
        grade: str,
        plan: str,
        lead_group: Any,
        grade_evidence: str = "",
    ) -> None:
        self.damage_degree = damage_degree
        self.damage_scale = damage_scale
        self.grade = grade
        if grade_evidence:
            self.grade_evidence = grade_evidence
        self.plan = plan
        self.lead_group = lead_group
        self.decided_at = at
        self.activated_at = at

    @transition(field=state, source=State.REPORTED, target=State.DISMISSED, permission=policies.may_decide)
    def decline(self, *, at: datetime) -> None:
        self.decided_at = at
        self.dismissed_at = at

    @transition(field=state, source=State.ACTIVATED, target=State.EXECUTING, permission=policies.may_execute)
    def execute(self, *, at: datetime, on_scene_commander: Any) -> None:
        self.on_scene_commander = on_scene_commander
        self.executing_at = at

    @transition(
        field=state,
        source=State.EXECUTING,
        target=State.TERMINATION_REQUESTED,
        permission=policies.may_request_termination,
    )
    def request_termination(
        self, *, by: Any, at: datetime, resolution_summary: str, termination_deadline: datetime
    ) -> None:
        self.resolution_summary = resolution_summary
        self.termination_deadline = termination_deadline
        self.termination_requested_by = by
        self.termination_requested_at = at
        self.termination_round += 1

    @transition(
        field=state,
        source=State.TERMINATION_REQUESTED,
        target=RETURN_VALUE(State.TERMINATION_REQUESTED, State.TERMINATED),
        permission=policies.may_approve_termination,
    )
    def approve_termination(self, *, at: datetime, approved_slots: set[str]) -> str:
        """The state moves only when the last required approval lands (Art. 15–17)."""
        if set(self.required_approval_slots) <= approved_slots:
            self.terminated_at = at
            return State.TERMINATED
        return State.TERMINATION_REQUESTED

    @transition(
        field=state,
        source=State.TERMINATION_REQUESTED,
        target=State.EXECUTING,
        permission=policies.may_reject_termination,
    )
    def reject_termination(self, *, at: datetime) -> None:
        self.termination_requested_at = None

    @transition(
        field=state, source=State.TERMINATED, target=State.INVESTIGATING, permission=policies.may_investigate
    )
    def investigate(self, *, at: datetime) -> None:
        self.investigating_at = at

    @transition(field=state, source=State.INVESTIGATING, target=State.CLOSED, permission=policies.may_close)
    def close(self, *, at: datetime) -> None:
        self.closed_at = at

    def default_lead_group_code(self) -> str | None:
        return lead_group_for(self.plan) if self.plan else None
