"""The investigation API's schemas: inputs built from the forms the services validate with (one definition),
outputs from the models."""

from __future__ import annotations

from rest_framework import serializers

from incidents.api.schema import serializer_for_form
from reports.forms import (
    ActionProgressForm,
    CorrectiveActionForm,
    DrillRecordForm,
    InvestigationForm,
    ResponsiblePersonForm,
)
from reports.models import CorrectiveAction, DrillRecord, Investigation, ResponsiblePerson

InvestigationInputSerializer = serializer_for_form(InvestigationForm, "InvestigationInput", partial=True)
ResponsiblePersonInputSerializer = serializer_for_form(ResponsiblePersonForm, "ResponsiblePersonInput")
CorrectiveActionInputSerializer = serializer_for_form(CorrectiveActionForm, "CorrectiveActionInput")
ActionProgressInputSerializer = serializer_for_form(ActionProgressForm, "ActionProgressInput")
DrillRecordInputSerializer = serializer_for_form(DrillRecordForm, "DrillRecordInput")


class InvestigationSerializer(serializers.ModelSerializer):
    """The record; ``id`` and ``updated_at`` are null while the investigation has not been written yet."""

    id = serializers.IntegerField(read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Investigation
        fields = ["id", "incident", *Investigation.EDITABLE_FIELDS, "updated_at"]
        read_only_fields = fields


class ResponsiblePersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResponsiblePerson
        fields = ["id", "person", "name", "responsibility", "description", "created_at"]
        read_only_fields = fields


class CorrectiveActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CorrectiveAction
        fields = [
            "id",
            "kind",
            "title",
            "owner",
            "due_date",
            "status",
            "closure_evidence",
            "done_at",
            "retest",
            "retest_note",
            "retested_at",
            "created_at",
        ]
        read_only_fields = fields


class DrillRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = DrillRecord
        fields = ["id", "incident", "held_at", "content", "participants", "participants_note", "evaluation"]
        read_only_fields = fields


class ReportSerializer(serializers.Serializer):
    final = serializers.BooleanField(help_text="true once the case is closed: the frozen filed copy")
    sha256 = serializers.CharField(
        help_text="SHA-256 of the canonical JSON of content (the PDF footer's hash)"
    )
    closed_at = serializers.DateTimeField(allow_null=True)
    content = serializers.DictField(help_text="the report's sections, language-neutral codes")
