"""Build DRF serializers from the Django forms that validate transitions, so the OpenAPI schema documents
exactly the fields the service checks — one definition, not two that drift apart."""

from __future__ import annotations

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
    if isinstance(form_field, forms.BooleanField):
        return serializers.BooleanField(required=False, help_text=common["help_text"])
    if isinstance(form_field, forms.FileField):
        return serializers.FileField(**common)
    return serializers.CharField(allow_blank=not form_field.required, **common)


def serializer_for_form(form_class: type[forms.Form], name: str) -> type[serializers.Serializer]:
    fields = {field_name: _field(field) for field_name, field in form_class.base_fields.items()}
    return type(name, (serializers.Serializer,), fields)
