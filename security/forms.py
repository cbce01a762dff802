from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RevealForm(forms.Form):
    """Reveal one masked record (security.masking): which one, and why — the reason goes to the read log."""

    record = forms.RegexField(regex=r"^[a-z_]+\.[A-Za-z]+:\d+$", widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("查看理由"),
        min_length=4,
        max_length=500,
        error_messages={
            "min_length": _("请写明查看理由（至少 4 个字）。"),
            "required": _("请写明查看理由。"),
        },
    )
