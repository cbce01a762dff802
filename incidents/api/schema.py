"""Build DRF serializers from the Django forms that validate transitions, so the OpenAPI schema documents
exactly the fields the service checks — one definition, not two that drift apart."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from rest_framework import serializers


def _field(form_field: forms.Field) -> serializers.Field:
    common: dict[str, Any] = {"required": form_field.required, "help_text": str(form_field.label or "")}
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **common)
    if isinstance(form_field, forms.ModelChoiceField):
        return serializers.IntegerField(**common)
    if isinstance(form_field, forms.ChoiceField):
        return serializers.ChoiceField(
            choices=list(form_field.choices),  # type: ignore[arg-type]
            allow_blank=not form_field.required,
            **common,
        )
    if isinstance(form_field, forms.DateTimeField):
        return serializers.DateTimeField(**common)
    if isinstance(form_field, forms.DateField):
        return serializers.DateField(**common)
    if isinstance(form_field, forms.DecimalField):
        return serializers.DecimalField(
            max_digits=form_field.max_digits,
            decimal_places=form_field.decimal_places,
            allow_null=not form_field.required,
            **common,
        )
    if isinstance(form_field, forms.IntegerField):
        low, high = form_field.min_value, form_field.max_value
        return serializers.IntegerField(
            allow_null=not form_field.required,
            min_value=low if isinstance(low, int) else None,
            max_value=high if isinstance(high, int) else None,
            **common,
        )
    if isinstance(form_field, forms.NullBooleanField):
        return serializers.BooleanField(required=False, allow_null=True, help_text=common["help_text"])
    if isinstance(form_field, forms.BooleanField):
        return serializers.BooleanField(required=False, help_text=common["help_text"])
    if isinstance(form_field, forms.FileField):
        return serializers.FileField(**common)
    return serializers.CharField(allow_blank=not form_field.required, **common)


def serializer_for_form(
    form_class: type[forms.Form] | type[forms.ModelForm], name: str, *, partial: bool = False
) -> type[serializers.Serializer]:
    """``partial``: every field optional (a PATCH that writes only what it carries)."""
    fields = {}
    for field_name, field in form_class.base_fields.items():
        if partial:
            field = copy.copy(field)
            field.required = False
        fields[field_name] = _field(field)
    return type(name, (serializers.Serializer,), fields)
