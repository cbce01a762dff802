"""What each investigation write must carry: the single validation for the page and the API alike."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from teams.models import Person

from .models import CorrectiveAction, DrillRecord, Investigation, ResponsiblePerson


class ScalarInputMixin:
    """JSON bodies can carry objects or lists where a single value belongs: refuse them as a field error
    (400) instead of letting a widget choke on them or silently keeping their text."""

    LIST_FIELDS: tuple[str, ...] = ()

    def _take_scalars(self, data: dict[str, Any] | None) -> dict[str, Any] | None:
        self.non_scalar_fields: list[str] = []
        if data is None:
            return None
        cleaned = dict(data)
        for name, value in data.items():
            if isinstance(value, dict) or (isinstance(value, list | tuple) and name not in self.LIST_FIELDS):
                self.non_scalar_fields.append(name)
                cleaned[name] = ""
        return cleaned

    def _refuse_non_scalars(self) -> None:
        for name in self.non_scalar_fields:
            if name in self.fields:  # type: ignore[attr-defined]
                self.add_error(name, _("请填写单个值。"))  # type: ignore[attr-defined]


class InvestigationForm(ScalarInputMixin, forms.ModelForm):
    """Partial updates: only the fields present in the data are validated and written."""

    class Meta:
        model = Investigation
        fields = list(Investigation.EDITABLE_FIELDS)

    def __init__(self, data: dict[str, Any] | None = None, *args: Any, **kwargs: Any):
        super().__init__(self._take_scalars(data), *args, **kwargs)
        for name in list(self.fields):
            if data is not None and name not in data:
                del self.fields[name]
        # Booleans arrive as JSON true/false or as form strings; an explicit null clears a tri-state.
        for name in ("is_internal_cause", "late_report"):
            if name in self.fields:
                self.fields[name] = forms.NullBooleanField(label=self.fields[name].label, required=False)
        for name in ("concealed_report", "false_report", "police_referral"):
            if name in self.fields:
                self.fields[name] = forms.BooleanField(label=self.fields[name].label, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._refuse_non_scalars()
        return cleaned

    def clean_financial_loss(self) -> Any:
        value = self.cleaned_data.get("financial_loss")
        if value is not None and value < 0:
            raise forms.ValidationError(_("金额不能为负数。"))
        return value


class ResponsiblePersonForm(ScalarInputMixin, forms.ModelForm):
    person = forms.ModelChoiceField(label=_("人员"), queryset=Person.objects.all(), required=False)
    name = forms.CharField(label=_("姓名"), max_length=100, required=False)

    class Meta:
        model = ResponsiblePerson
        fields = ["person", "name", "responsibility", "description"]

    def __init__(self, data: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(self._take_scalars(data), **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._refuse_non_scalars()
        if not cleaned.get("person") and not cleaned.get("name"):
            raise forms.ValidationError({"name": _("请选择人员或填写姓名。")})
        if cleaned.get("person") and not cleaned.get("name"):
            cleaned["name"] = cleaned["person"].name
        return cleaned


# Dates as a person types them (issue 12): ISO, slashes, dots, or the Chinese 2026年12月15日 / 2026年12月15号.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y年%m月%d号", "%Y%m%d"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日 %H时%M分",
    "%Y年%m月%d日%H时%M分",
]
DATE_ERROR = _("请输入有效日期，例如 2026-12-15 或 2026年12月15日。")
DATETIME_ERROR = _("请输入有效时间，例如 2026-12-15 14:30 或 2026年12月15日 14:30。")


class CorrectiveActionForm(ScalarInputMixin, forms.ModelForm):
    due_date = forms.DateField(
        label=_("完成期限"),
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": DATE_ERROR},
    )

    class Meta:
        model = CorrectiveAction
        fields = ["kind", "title", "owner", "due_date"]

    def __init__(self, data: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(self._take_scalars(data), **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._refuse_non_scalars()
        return cleaned


class ActionProgressForm(ScalarInputMixin, forms.Form):
    """Follow an action to closure: status, the evidence it was done, and the re-test."""

    status = forms.ChoiceField(label=_("状态"), choices=CorrectiveAction.Status.choices, required=False)
    closure_evidence = forms.CharField(label=_("完成证据"), required=False)
    retest = forms.ChoiceField(label=_("复测"), choices=CorrectiveAction.Retest.choices, required=False)
    retest_note = forms.CharField(label=_("复测说明"), required=False)

    def __init__(self, data: dict[str, Any] | None, *, action: CorrectiveAction, **kwargs: Any):
        self.action = action
        super().__init__(self._take_scalars(data), **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._refuse_non_scalars()
        status = cleaned.get("status") or self.action.status
        evidence = cleaned.get("closure_evidence") or self.action.closure_evidence
        if status == CorrectiveAction.Status.DONE and not evidence:
            raise forms.ValidationError({"closure_evidence": _("完成的措施须附完成证据。")})
        if cleaned.get("retest") and status != CorrectiveAction.Status.DONE:
            raise forms.ValidationError({"retest": _("措施完成后才能复测。")})
        return cleaned


class DrillRecordForm(ScalarInputMixin, forms.ModelForm):
    LIST_FIELDS = ("participants",)
    participants = forms.ModelMultipleChoiceField(
        label=_("参演人员"), queryset=Person.objects.all(), required=False
    )
    held_at = forms.DateTimeField(
        label=_("演练时间"),
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": DATETIME_ERROR},
    )

    class Meta:
        model = DrillRecord
        fields = ["held_at", "content", "participants", "participants_note", "evaluation"]

    def __init__(self, data: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(self._take_scalars(data), **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._refuse_non_scalars()
        return cleaned
