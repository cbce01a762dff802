from __future__ import annotations

from collections.abc import MutableMapping
from functools import lru_cache
from typing import Any

from django.utils import timezone, translation
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents import selectors
from incidents.forms import (
    ChecklistDoneForm,
    DeclareForm,
    EventStartForm,
    KindForm,
    ProgressUpdateForm,
    RegulatorDecisionForm,
    RegulatorSubmissionForm,
    RegulatorWaiverForm,
)
from incidents.models import (
    Attachment,
    ChecklistItem,
    Incident,
    ProgressUpdate,
    RegulatorDeadline,
    TerminationApproval,
    TimelineEntry,
)
from security import masking

from .schema import serializer_for_form

STATE_LABELS = dict(Incident._meta.get_field("state").flatchoices)
DeclareSerializer = serializer_for_form(DeclareForm, "DeclareIncident")
ProgressUpdateInputSerializer = serializer_for_form(ProgressUpdateForm, "ProgressUpdateInput")
RegulatorDecisionInputSerializer = serializer_for_form(RegulatorDecisionForm, "RegulatorDecisionInput")
EventStartInputSerializer = serializer_for_form(EventStartForm, "EventStartInput")
KindInputSerializer = serializer_for_form(KindForm, "KindCorrectionInput")
RegulatorWaiverInputSerializer = serializer_for_form(RegulatorWaiverForm, "RegulatorWaiverInput")


class RegulatorSubmissionInputSerializer(serializer_for_form(RegulatorSubmissionForm, "_Submission")):  # type: ignore[misc]
    document = serializers.FileField(
        required=False, help_text="the document sent (required for a written report); multipart only"
    )


ChecklistDoneInputSerializer = serializer_for_form(ChecklistDoneForm, "ChecklistDoneInput")


class ReadModelSerializer(serializers.ModelSerializer):
    """A model serializer whose read-only fields keep ``allow_blank`` from the model, so the schema says a
    blank choice (e.g. no grade yet) may come back — DRF drops it for read-only fields."""

    def include_extra_kwargs(
        self, kwargs: MutableMapping[str, Any], extra_kwargs: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        allow_blank = kwargs.get("allow_blank", False)
        merged = super().include_extra_kwargs(kwargs, extra_kwargs)
        if allow_blank:
            merged["allow_blank"] = True
        return merged


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    update_id = serializers.IntegerField(required=False)


class IncidentListSerializer(ReadModelSerializer):
    lead_group: serializers.Field = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    # A method field, not ``source="get_state_display"``: DRF inspects a callable source's signature on
    # every row, which was a third of the list's serialisation time.
    state_display = serializers.SerializerMethodField()

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

    def get_state_display(self, incident: Incident) -> str:
        return str(STATE_LABELS.get(incident.state, incident.state))

    def to_representation(self, incident: Any) -> dict[str, Any]:
        """The same dict DRF's field-by-field walk makes (``test_api_list_fast_path`` compares them), built
        directly: the list endpoint's time was mostly that walk (issue 12 profile). The list view hands it
        the row of ``LIST_VALUES`` (no model instances: building 50 incidents and their teams was a quarter
        of a list request); an ``Incident`` is read the same way."""
        row = incident if isinstance(incident, dict) else _values_of(incident)
        zone = timezone.get_current_timezone()  # what DRF's DateTimeField looks up twice per value
        state = row["state"]
        represented = {
            "id": row["id"],
            "title": row["title"],
            "category": row["category"],
            "plan": row["plan"],
            "lead_group": row["lead_group__code"],
            "grade": row["grade"],
            "state": state,
            "state_display": _state_labels(translation.get_language()).get(state, state),
            "is_drill": row["is_drill"],
        }
        for name in _LIST_TIMES:
            value = row[name]
            represented[name] = None if value is None else _iso(value, zone)
        return represented


def _iso(value: Any, zone: Any) -> str:
    """``serializers.DateTimeField().to_representation`` for an aware datetime with the default ISO 8601
    format: in the current time zone, ``Z`` for UTC."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_LIST_TIMES = (
    "detected_at",
    "reported_at",
    "activated_at",
    "terminated_at",
    "termination_deadline",
    "updated_at",
)
# What the list reads of each incident, as ``QuerySet.values`` names.
LIST_VALUES = (
    "id",
    "title",
    "category",
    "plan",
    "lead_group__code",
    "grade",
    "state",
    "is_drill",
    *_LIST_TIMES,
)


@lru_cache(maxsize=8)
def _state_labels(language: str | None) -> dict[str, str]:
    """The states' labels in one language, resolved once per process rather than once per row."""
    with translation.override(language):
        return {state: str(label) for state, label in STATE_LABELS.items()}


def _values_of(incident: Incident) -> dict[str, Any]:
    lead_group = incident.lead_group
    return {
        **{name: getattr(incident, name) for name in LIST_VALUES if name != "lead_group__code"},
        "lead_group__code": lead_group.code if lead_group is not None else None,
    }


class ApprovalSerializer(ReadModelSerializer):
    class Meta:
        model = TerminationApproval
        fields = ["round", "slot", "decision", "approver", "approver_name", "comment", "at"]


class IncidentDetailSerializer(IncidentListSerializer):
    def to_representation(self, instance: Incident) -> dict[str, Any]:
        return serializers.ModelSerializer.to_representation(self, instance)

    approvals = ApprovalSerializer(many=True, read_only=True)
    required_approvals = serializers.SerializerMethodField()
    available_transitions = serializers.SerializerMethodField()
    on_scene_commander: serializers.Field = serializers.StringRelatedField(allow_null=True)
    deadlines = serializers.SerializerMethodField()

    class Meta(IncidentListSerializer.Meta):
        fields = [
            *IncidentListSerializer.Meta.fields,
            "kind",
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


class TimelineEntrySerializer(ReadModelSerializer):
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

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return masking.masked_entry(super().to_representation(instance))


class AttachmentSerializer(ReadModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "update", "name", "content_type", "size", "sha256", "uploaded_by", "at"]
        read_only_fields = fields


class ProgressUpdateSerializer(ReadModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = ["id", "author", "text", "at", "attachments"]
        read_only_fields = fields


class ChecklistItemSerializer(ReadModelSerializer):
    owner: serializers.Field = serializers.StringRelatedField(allow_null=True)

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
            "kinds",
            # issue 12: withdrawn by a kind correction (kept, never deleted); null/blank while it stands
            "withdrawn_at",
            "withdrawn_by",
            "withdrawn_reason",
        ]
        read_only_fields = fields


class RegulatorDeadlineSerializer(ReadModelSerializer):
    """A regulator deadline and how it ended (met / met_late / missed / open), with its evidence."""

    document = AttachmentSerializer(read_only=True, allow_null=True)
    delay_minutes = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = RegulatorDeadline
        fields = [
            "id",
            "kind",
            "due_at",
            "outcome",
            "overdue",
            "submitted_at",
            "submitted_by_name",
            "channel",
            "office",
            "reference",
            "document",
            "recorded_at",
            "delay_minutes",
            "waiver_reason",
            "waiver_requested_by_name",
            "waiver_requested_at",
            "waiver_approved_by_name",
            "waiver_approved_at",
        ]
        read_only_fields = fields

    def get_delay_minutes(self, deadline: RegulatorDeadline) -> int | None:
        delay = deadline.delay
        return int(delay.total_seconds() // 60) if delay else None

    def get_overdue(self, deadline: RegulatorDeadline) -> bool:
        return deadline.is_open and deadline.due_at < timezone.now()
