"""What the measures API answers: each record as stored (model serializers, so the OpenAPI schema documents
the real fields), people as ids with their names beside."""

from __future__ import annotations

from rest_framework import serializers

from incidents.models import ChecklistItem
from measures.models import (
    ClarificationStatement,
    ComplaintCase,
    ComplaintCloseWaiver,
    DisputePlan,
    FrontLineMove,
    LegalReferral,
    MediaReport,
    Remedy,
    ReputationAssessment,
    RollCall,
    RollCallEntry,
    RosterAssignment,
    RotationRoster,
)


class RosterAssignmentSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = RosterAssignment
        fields = ["id", "person", "person_name", "group", "line", "skills"]


class RotationRosterSerializer(serializers.ModelSerializer):
    assignments = RosterAssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = RotationRoster
        fields = ["id", "incident", "starts_on", "period_days", "created_by", "created_at", "assignments"]


class RollCallEntrySerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    phone = serializers.CharField(source="person.phone", read_only=True)

    class Meta:
        model = RollCallEntry
        fields = ["id", "person", "person_name", "phone", "status", "marked_by", "marked_at"]


class RollCallSerializer(serializers.ModelSerializer):
    entries = RollCallEntrySerializer(many=True, read_only=True)

    class Meta:
        model = RollCall
        fields = ["id", "incident", "assembly_point", "started_by", "started_at", "closed_at", "entries"]


def _model(model_class: type) -> type[serializers.ModelSerializer]:
    meta = type("Meta", (), {"model": model_class, "fields": "__all__"})
    return type(f"{model_class.__name__}Serializer", (serializers.ModelSerializer,), {"Meta": meta})


MediaReportSerializer = _model(MediaReport)
ReputationAssessmentSerializer = _model(ReputationAssessment)
DisputePlanSerializer = _model(DisputePlan)
LegalReferralSerializer = _model(LegalReferral)
ComplaintCloseWaiverSerializer = _model(ComplaintCloseWaiver)


class ComplaintCaseSerializer(serializers.ModelSerializer):
    """One complaint with its clock: how many days, and when it is due (issue 13)."""

    limit_days = serializers.IntegerField(read_only=True)
    due_at = serializers.DateTimeField(read_only=True)
    extension_pending = serializers.BooleanField(read_only=True)

    class Meta:
        model = ComplaintCase
        fields = "__all__"


RemedySerializer = _model(Remedy)
ClarificationStatementSerializer = _model(ClarificationStatement)


class FrontLineMoveSerializer(serializers.ModelSerializer):
    """Art. 14 (1): one second-line person moved to the front for this incident (ended: ``ended_at``)."""

    person_name = serializers.CharField(source="person.name", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = FrontLineMove
        fields = [
            "id",
            "incident",
            "person",
            "person_name",
            "moved_at",
            "moved_by",
            "note",
            "is_active",
            "ended_at",
            "ended_reason",
        ]


class AfterEventMeasureSerializer(serializers.ModelSerializer):
    """Art. 18: one after-event measure (a checklist item of the incident), with its owner and evidence."""

    owner_name = serializers.CharField(source="owner.name", read_only=True, allow_null=True, default=None)
    is_done = serializers.BooleanField(read_only=True)

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "incident",
            "code",
            "title",
            "article",
            "owner",
            "owner_name",
            "due_at",
            "is_done",
            "done_at",
            "done_by",
            "evidence",
            "withdrawn_at",
            "withdrawn_reason",
        ]
        read_only_fields = ["withdrawn_at", "withdrawn_reason"]


class MeasuresSerializer(serializers.Serializer):
    """Every measure recorded on one incident."""

    roster = RotationRosterSerializer(allow_null=True)
    roll_call = RollCallSerializer(allow_null=True)
    media = MediaReportSerializer(many=True)
    assessments = ReputationAssessmentSerializer(many=True)
    dispute_plans = DisputePlanSerializer(many=True)
    referrals = LegalReferralSerializer(many=True)
    cases = ComplaintCaseSerializer(many=True)
    remedies = RemedySerializer(many=True)
    statements = ClarificationStatementSerializer(many=True)
    second_line = FrontLineMoveSerializer(many=True)
    after_event = AfterEventMeasureSerializer(many=True)
