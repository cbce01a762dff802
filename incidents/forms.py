"""What each transition and action must carry (DESIGN §3), as Django forms.

These forms are the single validation of a transition's fields: the service validates with them
whatever the caller (page, API or task), so a browser form and the API refuse the same things with
the same translated messages.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from teams.forms import DutyPeopleField, DutyPersonField
from teams.models import Membership, Team

from .models import Incident, RegulatorDeadline, RegulatorDecision, State
from .plans import Category, Grade, IncidentKind, Plan, default_plan_for, kind_applies, lead_group_for
from .policies import investigator_candidates
from .search import OPEN, IncidentFilters
from .times import PlausibleDateField, PlausibleDateTimeField

WORKING_GROUP_CHOICES = [(code, label) for code, label in Team.Code.choices if code in Team.WORKING_GROUPS]


class IncidentForm(forms.Form):
    """Common base: every transition form takes the incident, and every one carries ``comment``."""

    comment = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, incident: Incident | None = None, **kwargs: Any):
        self.incident = incident
        super().__init__(*args, **kwargs)


class DeclareForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    category = forms.ChoiceField(label=_("事件类别"), choices=Category.choices)
    description = forms.CharField(
        label=_("情况描述"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    detected_at = PlausibleDateTimeField(label=_("发现时间"))
    started_at = PlausibleDateTimeField(
        label=_("事件开始时间"),
        required=False,
        help_text=_("事件实际开始的时间（已知时填写；不填则按发现时间）。第十九条据此判断是否提前预警。"),
    )
    kind = forms.ChoiceField(
        label=_("突发事件种类"),
        choices=[("", _("未确定")), *IncidentKind.choices],
        required=False,
        help_text=_(
            "突发事件（第十四条）：火灾、疫情等各有专门措施，只列出适用的措施；未确定时列出全部措施，"
            "领导小组可随后更正。"
        ),
    )
    grade = forms.ChoiceField(label=_("建议分级"), choices=[("", "—"), *Grade.choices], required=False)
    is_drill = forms.BooleanField(label=_("演练"), required=False)
    affected_system = forms.CharField(label=_("受影响系统"), max_length=100, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        category = data.get("category")
        if data.get("kind") and category and not kind_applies(plan=None, category=category):
            self.add_error("kind", KIND_NOT_APPLICABLE)
        return data

    def clean_detected_at(self) -> Any:
        value = self.cleaned_data["detected_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("发现时间不能晚于现在。"))
        return value

    def clean_started_at(self) -> Any:
        value = self.cleaned_data.get("started_at")
        if value is not None and value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("事件开始时间不能晚于现在。"))
        return value


class ReportForm(IncidentForm):
    """Art. 8: apply to the Leadership Group — situation, category, proposed grade, impact so far."""

    situation = forms.CharField(label=_("事件情况"), widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ChoiceField(label=_("事件类别"), choices=Category.choices, required=False)
    grade = forms.ChoiceField(label=_("建议分级"), choices=[("", "—"), *Grade.choices], required=False)
    impact = forms.CharField(label=_("目前影响"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean_category(self) -> str:
        return self.cleaned_data.get("category") or (self.incident.category if self.incident else "")


class ReasonForm(IncidentForm):
    """Dismiss, reopen, decline, reject: a reason is required, so the record says why."""

    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ActivateForm(IncidentForm):
    """Art. 9: forecast the degree and scale of damage, confirm the grade, choose plan and lead group."""

    damage_degree = forms.CharField(label=_("损害程度预测"), widget=forms.Textarea(attrs={"rows": 2}))
    damage_scale = forms.CharField(label=_("损害规模预测"), widget=forms.Textarea(attrs={"rows": 2}))
    grade = forms.ChoiceField(label=_("事件分级"), choices=Grade.choices)
    grade_evidence = forms.CharField(
        label=_("分级依据"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    plan = forms.ChoiceField(label=_("应急预案"), choices=Plan.choices, required=False)
    lead_group = forms.ChoiceField(label=_("牵头工作小组"), choices=WORKING_GROUP_CHOICES, required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.incident is not None:
            self.fields["plan"].initial = self.incident.plan or default_plan_for(self.incident.category)
            self.fields["grade"].initial = self.incident.grade

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        plan = data.get("plan") or (default_plan_for(self.incident.category) if self.incident else None)
        if not plan:
            self.add_error("plan", _("“其它”类事件须由领导小组选择应急预案。"))
            return data
        data["plan"] = plan
        code = data.get("lead_group") or lead_group_for(plan)
        data["lead_group"] = Team.objects.filter(code=code).first()
        if data["lead_group"] is None:
            self.add_error("lead_group", _("牵头工作小组尚未在应急组织中设立。"))
        return data


class ExecuteForm(IncidentForm):
    """Art. 10: unified command — name the on-scene commander."""

    # who may command on site: the Leadership Group and the working groups' leads (issue 12), with roles
    on_scene_commander = DutyPersonField(
        holds=Q(team__code=Team.Code.LEADERSHIP) | Q(role=Membership.Role.LEAD), label=_("现场指挥")
    )


class RequestTerminationForm(IncidentForm):
    """Art. 15–17: how the matter was resolved, and the proposed termination time limit (终止时限)."""

    resolution_summary = forms.CharField(label=_("处置情况总结"), widget=forms.Textarea(attrs={"rows": 3}))
    termination_deadline = PlausibleDateTimeField(label=_("终止时限"))

    def clean_termination_deadline(self) -> Any:
        value = self.cleaned_data["termination_deadline"]
        if value <= timezone.now():
            raise forms.ValidationError(_("终止时限必须晚于现在。"))
        return value


class ApproveTerminationForm(IncidentForm):
    pass


class InvestigateForm(IncidentForm):
    """Art. 19: the Leadership Group names who investigates."""

    # who may investigate (``policies.investigator_candidates``: the organisation's people with an account,
    # never an auditor), as checkboxes with their roles; anyone else is refused beside the field
    investigators = DutyPeopleField(
        label=_("调查人员"),
        queryset=investigator_candidates(),
        help_text=_("勾选一人或多人。只列出可以填写调查报告的应急组织成员；审计人员独立于调查，不能担任。"),
        error_messages={
            "invalid_choice": _("所选人员不能担任调查人员：只能指定应急组织成员，审计人员独立于调查。"),
            "required": _("请至少勾选一名调查人员。"),
        },
    )


class CloseForm(IncidentForm):
    pass


TRANSITION_FORMS: dict[str, type[IncidentForm]] = {
    "report": ReportForm,
    "dismiss": ReasonForm,
    "reopen": ReasonForm,
    "activate": ActivateForm,
    "decline": ReasonForm,
    "execute": ExecuteForm,
    "request_termination": RequestTerminationForm,
    "approve_termination": ApproveTerminationForm,
    "reject_termination": ReasonForm,
    "investigate": InvestigateForm,
    "close": CloseForm,
}
TRANSITION_NAMES = tuple(TRANSITION_FORMS)


class ProgressUpdateForm(forms.Form):
    text = forms.CharField(label=_("最新进展"), widget=forms.Textarea(attrs={"rows": 3}))


class RegulatorDecisionForm(forms.Form):
    """Art. 10: the Leadership Group decides whether to report to the regulator."""

    decision = forms.ChoiceField(
        label=_("是否向监管部门报告"),
        choices=[
            (RegulatorDecision.REPORT, RegulatorDecision.REPORT.label),
            (RegulatorDecision.NO_REPORT, RegulatorDecision.NO_REPORT.label),
        ],
        # Nothing chosen in advance (issue 12): a decision under stress must be made, not accepted.
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择是否向监管部门报告。")},
    )
    important_system = forms.BooleanField(label=_("涉及重要信息系统"), required=False)
    major_operational_risk = forms.BooleanField(label=_("重大操作风险事件"), required=False)
    comment = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class RegulatorSubmissionForm(forms.Form):
    """The evidence that a regulator deadline was met: when, how, to which office, the reference number
    (the document comes as a file). A written report carries its document; a system submission its number."""

    submitted_at = PlausibleDateTimeField(label=_("报送时间"))
    channel = forms.ChoiceField(label=_("报送方式"), choices=RegulatorDeadline.Channel.choices)
    office = forms.CharField(label=_("监管部门"), max_length=200)
    reference = forms.CharField(label=_("报送编号"), max_length=100, required=False)
    comment = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, has_document: bool = False, **kwargs: Any):
        self.has_document = has_document
        super().__init__(*args, **kwargs)

    def clean_submitted_at(self) -> Any:
        value = self.cleaned_data["submitted_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("报送时间不能晚于现在。"))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        channel = data.get("channel")
        if channel == RegulatorDeadline.Channel.SYSTEM and not data.get("reference"):
            self.add_error("reference", _("通过监管报送系统报送须填写报送编号。"))
        if channel == RegulatorDeadline.Channel.WRITTEN and not self.has_document:
            self.add_error(None, _("书面报告须附报送文件。"))
        return data


class RegulatorWaiverForm(forms.Form):
    """Asking to end an unmet regulator deadline as missed: a reason; a second decider approves."""

    reason = forms.CharField(label=_("豁免理由"), widget=forms.Textarea(attrs={"rows": 2}))


class EventStartForm(forms.Form):
    """Art. 19: the Leadership Group corrects when the event really began, with a reason (kept on the
    timeline next to the value it replaces)."""

    started_at = PlausibleDateTimeField(label=_("事件开始时间"))
    reason = forms.CharField(label=_("更正理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def clean_started_at(self) -> Any:
        value = self.cleaned_data["started_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("事件开始时间不能晚于现在。"))
        return value


KIND_NOT_APPLICABLE = _("只有突发事件应急预案（第十四条）区分事件种类，此类事件不填种类。")


class KindForm(forms.Form):
    """Art. 14: the Leadership Group corrects the kind of sudden event, with a reason (kept on the timeline
    next to the kind it replaces); the measures follow the new kind."""

    kind = forms.ChoiceField(label=_("突发事件种类"), choices=IncidentKind.choices)
    reason = forms.CharField(label=_("更正理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ChecklistDoneForm(forms.Form):
    evidence = forms.CharField(label=_("完成情况/证据"), widget=forms.Textarea(attrs={"rows": 2}))


def attachment_errors(*, name: str, size: int) -> list[str]:
    """Size and type limits for evidence files."""
    errors = []
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in settings.ATTACHMENT_ALLOWED_EXTENSIONS:
        errors.append(
            str(_("不接受此类型的文件（允许：%(allowed)s）。"))
            % {"allowed": ", ".join(settings.ATTACHMENT_ALLOWED_EXTENSIONS)}
        )
    if size > settings.ATTACHMENT_MAX_BYTES:
        errors.append(
            str(_("文件过大：%(size)d 字节，上限 %(limit)d 字节。"))
            % {"size": size, "limit": settings.ATTACHMENT_MAX_BYTES}
        )
    if size == 0:
        errors.append(str(_("文件为空。")))
    return errors


def _choices(blank: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", blank), *choices]


class IncidentSearchForm(forms.Form):
    """The incident list's filters (issue 12). Every field is optional; a bad one is reported beside itself
    and the others still apply."""

    DRILL_CHOICES = [("", _("含演练")), ("exclude", _("不含演练")), ("only", _("只看演练"))]
    SORT_CHOICES = [
        ("-detected_at", _("发现时间（新→旧）")),
        ("detected_at", _("发现时间（旧→新）")),
        ("grade", _("分级（Ⅰ级在前）")),
        ("state", _("状态")),
        ("title", _("标题")),
    ]
    DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"]

    q = forms.CharField(
        label=_("关键词"),
        required=False,
        max_length=100,
        help_text=_("标题、情况描述和最新进展中的字词；也可输入事件编号。"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), (OPEN, _("进行中（看板上的）")), *State.choices],
    )
    plan = forms.ChoiceField(
        label=_("应急预案"), required=False, choices=_choices(_("全部预案"), Plan.choices)
    )
    category = forms.ChoiceField(
        label=_("事件类别"), required=False, choices=_choices(_("全部类别"), Category.choices)
    )
    kind = forms.ChoiceField(
        label=_("突发事件种类"), required=False, choices=_choices(_("全部种类"), IncidentKind.choices)
    )
    grade = forms.ChoiceField(
        label=_("事件分级"), required=False, choices=_choices(_("全部分级"), Grade.choices)
    )
    detected_from = PlausibleDateField(
        label=_("发现时间自"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    detected_to = PlausibleDateField(
        label=_("至"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    drill = forms.ChoiceField(label=_("演练"), required=False, choices=DRILL_CHOICES)
    needs_me = forms.BooleanField(label=_("只看等我决定的"), required=False)
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=SORT_CHOICES)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("detected_from"), cleaned.get("detected_to")
        if start and end and start > end:
            self.add_error("detected_to", _("结束日期不能早于开始日期。"))
        return cleaned

    def filters(self) -> IncidentFilters:
        """The valid fields as ``search.IncidentFilters`` (an invalid field counts as not given)."""
        self.is_valid()
        data = {
            name: value
            for name, value in getattr(self, "cleaned_data", {}).items()
            if name not in self.errors
        }
        return IncidentFilters(
            words=data.get("q") or "",
            state=data.get("state") or "",
            plan=data.get("plan") or "",
            category=data.get("category") or "",
            kind=data.get("kind") or "",
            grade=data.get("grade") or "",
            detected_from=data.get("detected_from"),
            detected_to=data.get("detected_to"),
            drill=data.get("drill") or "",
            needs_me=bool(data.get("needs_me")),
            sort=data.get("sort") or "-detected_at",
            page=data.get("page") or 1,
        )
