from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents import selectors
from incidents.forms import ChecklistDoneForm, DeclareForm, ProgressUpdateForm, RegulatorDecisionForm
from incidents.models import (
    Attachment,
    ChecklistItem,
    Incident,
    ProgressUpdate,
    TerminationApproval,
    TimelineEntry,
)

from .schema import serializer_for_form

DeclareSerializer = serializer_for_form(DeclareForm, "DeclareIncident")
ProgressUpdateInputSerializer = serializer_for_form(ProgressUpdateForm, "ProgressUpdateInput")
RegulatorDecisionInputSerializer = serializer_for_form(RegulatorDecisionForm, "RegulatorDecisionInput")
ChecklistDoneInputSerializer = serializer_for_form(ChecklistDoneForm, "ChecklistDoneInput")


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    update_id = serializers.IntegerField(required=False)


class IncidentListSerializer(serializers.ModelSerializer):
    lead_group: serializers.Field = serializers.SlugRelatedField(slug_field="code", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "title",
            "category",
            "plan",
            "lead_group",
            "grade",
            "state",
            "state_display",
            "is_drill",
            "detected_at",
            "reported_at",
            "activated_at",
            "terminated_at",
            "termination_deadline",
            "updated_at",
        ]
        read_only_fields = fields


class ApprovalSerializer(serializers.ModelSerializer):
    class Meta:
        model = TerminationApproval
        fields = ["round", "slot", "decision", "approver", "approver_name", "comment", "at"]


class IncidentDetailSerializer(IncidentListSerializer):
    approvals = ApprovalSerializer(many=True, read_only=True)
    required_approvals = serializers.SerializerMethodField()
    available_transitions = serializers.SerializerMethodField()
    on_scene_commander: serializers.Field = serializers.StringRelatedField()
    deadlines = serializers.SerializerMethodField()

    class Meta(IncidentListSerializer.Meta):
        fields = [
            *IncidentListSerializer.Meta.fields,
            "description",
            "grade_evidence",
            "affected_system",
            "source",
            "related_incident",
            "started_at",
            "decided_at",
            "executing_at",
            "termination_requested_at",
            "investigating_at",
            "closed_at",
            "dismissed_at",
            "situation",
            "impact",
            "damage_degree",
            "damage_scale",
            "on_scene_commander",
            "resolution_summary",
            "termination_round",
            "regulator_decision",
            "regulator_decided_at",
            "approvals",
            "required_approvals",
            "available_transitions",
            "deadlines",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_required_approvals(self, incident: Incident) -> list[str]:
        return list(incident.required_approval_slots)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_transitions(self, incident: Incident) -> list[str]:
        return selectors.available_transitions(incident=incident, user=self.context["request"].user)

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_deadlines(self, incident: Incident) -> list[dict[str, Any]]:
        return selectors.deadlines_of(incident=incident)


class TimelineEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = TimelineEntry
        fields = [
            "seq",
            "at",
            "actor",
            "actor_name",
            "actor_role",
            "kind",
            "action",
            "from_state",
            "to_state",
            "comment",
            "payload",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "update", "name", "content_type", "size", "sha256", "uploaded_by", "at"]
        read_only_fields = fields


class ProgressUpdateSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = ["id", "author", "text", "at", "attachments"]
        read_only_fields = fields


class ChecklistItemSerializer(serializers.ModelSerializer):
    owner: serializers.Field = serializers.StringRelatedField()

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "code",
            "title",
            "article",
            "owner_role",
            "owner",
            "due_at",
            "recurrence",
            "done_at",
            "done_by",
            "evidence",
            "template_version",
        ]
        read_only_fields = fields
