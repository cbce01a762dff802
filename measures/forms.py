"""What each measure must carry. The services validate with these forms whatever the caller, so a page
shows the same per-field errors, in the user's language, that any other caller would get."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from teams import selectors as team_selectors
from teams.forms import DutyPersonField
from teams.models import Person

from .models import (
    ComplaintCase,
    DisputePlan,
    LegalReferral,
    MediaReport,
    Remedy,
    ReputationAssessment,
    RollCallEntry,
)


class DateInput(forms.DateInput):
    """The browser's date picker, which only accepts ISO dates whatever the UI language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None):
        super().__init__(attrs, format=format or "%Y-%m-%d")


class RosterForm(forms.Form):
    starts_on = forms.DateField(label=_("起始日期"), widget=DateInput)
    period_days = forms.IntegerField(
        label=_("轮换周期（天）"),
        min_value=1,
        max_value=7,
        help_text=_("第十四条（一）：周期从1天到1周。"),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["starts_on"].initial = timezone.localdate()
        self.fields["period_days"].initial = 1


class RollCallStartForm(forms.Form):
    assembly_point = forms.CharField(label=_("集合地点"), max_length=200)


class RollCallMarkForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[c for c in RollCallEntry.Status.choices if c[0] != RollCallEntry.Status.UNKNOWN],
    )


class RollCallCloseForm(forms.Form):
    """Closing with people still 失联 is a decision: confirmed, with the reason (issue 12)."""

    confirm_missing = forms.BooleanField(label=_("确认在有人失联的情况下结束点名"), required=False)
    reason = forms.CharField(
        label=_("理由"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, missing: int = 0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.missing = missing

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.missing:
            if not cleaned.get("confirm_missing"):
                self.add_error(
                    "confirm_missing",
                    _("仍有 %(n)d 人失联，请勾选确认后再结束点名。") % {"n": self.missing},
                )
            if not (cleaned.get("reason") or "").strip():
                self.add_error("reason", _("有人失联时结束点名须说明理由。"))
        return cleaned


class MediaReportForm(forms.ModelForm):
    class Meta:
        model = MediaReport
        fields = ["outlet", "link", "reach", "tone", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 2})}


class ReputationAssessmentForm(forms.ModelForm):
    class Meta:
        model = ReputationAssessment
        fields = ["level", "assessment", "countermeasures"]
        widgets = {
            "assessment": forms.Textarea(attrs={"rows": 2}),
            "countermeasures": forms.Textarea(attrs={"rows": 2}),
        }


class DisputePlanForm(forms.ModelForm):
    class Meta:
        model = DisputePlan
        fields = ["text", "owner", "due_at"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"due_at": _("留空为提出后 3 天")}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # issue 13: who carries the plan out — from the complaint group or the Leadership Group
        self.fields["owner"] = DutyPersonField(
            holds=Q(team__code__in=("complaint", "leadership")),
            label=self.fields["owner"].label,
            required=False,
            help_text=_("留空为牵头工作小组组长"),
        )

    def clean_due_at(self) -> Any:
        value = self.cleaned_data.get("due_at")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(_("完成时限须晚于现在。"))
        return value


class DisputePlanDoneForm(forms.Form):
    evidence = forms.CharField(label=_("实施情况/证据"), widget=forms.Textarea(attrs={"rows": 2}))


DECISION_CHOICES = [("approve", _("批准")), ("reject", _("不批准"))]
VET_CHOICES = [("approve", _("审核通过")), ("return", _("退回修改"))]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("决定"), choices=DECISION_CHOICES)
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not data.get("comment"):
            self.add_error("comment", _("不批准时请写明理由。"))
        return data


class LegalReferralForm(forms.ModelForm):
    class Meta:
        model = LegalReferral
        fields = ["case_summary", "reference"]
        widgets = {"case_summary": forms.Textarea(attrs={"rows": 2})}


class ComplaintCaseForm(forms.ModelForm):
    class Meta:
        model = ComplaintCase
        fields = ["customer", "contact", "amount", "description", "is_walk_in", "is_complex", "handler"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Art. 14-bis (5): the Major-Complaint Group names the handler — from its people or the Leadership
        # Group, shown with their roles
        self.fields["handler"] = DutyPersonField(
            holds=Q(team__code__in=("complaint", "leadership")), label=self.fields["handler"].label
        )


class CaseCloseForm(forms.Form):
    outcome = forms.CharField(label=_("办结情况"), widget=forms.Textarea(attrs={"rows": 2}))


class CloseWaiverForm(forms.Form):
    reason = forms.CharField(label=_("未办结投诉时结案的理由"), widget=forms.Textarea(attrs={"rows": 2}))


class EscalationForm(forms.Form):
    escalation_reason = forms.CharField(label=_("上报理由"), widget=forms.Textarea(attrs={"rows": 2}))


class RemedyForm(forms.ModelForm):
    class Meta:
        model = Remedy
        fields = ["kind", "customer", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class ExtensionRequestForm(forms.Form):
    extension_days = forms.IntegerField(label=_("申请延期（天）"), min_value=1, max_value=60)
    extension_reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}))


class StatementDraftForm(forms.Form):
    text = forms.CharField(label=_("澄清声明"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)


class StatementVetForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结论"), choices=VET_CHOICES)
    comment = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("退回时请写明修改意见。"))
        return data


class StatementPublishForm(forms.Form):
    channel = forms.CharField(
        label=_("发布渠道"), max_length=200, help_text=_("如：本行官网、官方微博、新闻发布会")
    )
    published_at = forms.DateTimeField(label=_("发布时间"), required=False, help_text=_("留空为现在"))

    def clean_published_at(self) -> Any:
        value = self.cleaned_data.get("published_at")
        if value and value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("发布时间不能晚于现在。"))
        return value


# --- Art. 18: after the emergency --------------------------------------------------------------------

AFTER_EVENT_MEASURES = {
    # code → what the plan says (Art. 18), stored in Chinese as the record and translated at display
    "restore_order": gettext_noop("协助恢复正常秩序"),
    "positive_publicity": gettext_noop("协调正面宣传报道"),
}


class AfterEventMeasureForm(forms.Form):
    measure = forms.ChoiceField(
        label=_("事后工作"), choices=[(code, _(title)) for code, title in AFTER_EVENT_MEASURES.items()]
    )
    detail = forms.CharField(
        label=_("具体内容"), required=False, max_length=150, help_text=_("如：恢复坐席排班、发布服务恢复公告")
    )
    owner = DutyPersonField(holds=Q(), label=_("责任人"))
    due_at = forms.DateTimeField(label=_("完成时限"))

    def clean_due_at(self) -> Any:
        value = self.cleaned_data.get("due_at")
        if value and value <= timezone.now():
            raise forms.ValidationError(_("完成时限须晚于现在。"))
        return value


# --- Art. 14 (1): second line to the front -----------------------------------------------------------


class SecondLineForm(forms.Form):
    people = forms.ModelMultipleChoiceField(
        label=_("调入一线的二线人员"),
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一名二线人员。")},
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["people"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = team_selectors.all_staff().filter(line=Person.Line.SECOND)
