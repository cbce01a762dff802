"""Serializers that DOCUMENT the monitoring feed in the OpenAPI schema. Validation itself is
``monitoring.services.figure_values_from`` (plain Python: a DRF serializer per figure would cap the feed
far below 2,000 figures/s); the two describe the same fields."""

from __future__ import annotations

from rest_framework import serializers

from monitoring.models.figure import ABANDONMENT_FORMULAS, ANSWER_RATE_FORMULAS, SERVICE_LEVEL_FORMULAS


class IntervalFigureInputSerializer(serializers.Serializer):
    queue = serializers.CharField(max_length=50, help_text="ACD queue code; registered on first use")
    interval_start = serializers.DateTimeField(
        help_text="ISO 8601 with offset, aligned to the interval length; not in the future"
    )
    interval_minutes = serializers.ChoiceField(choices=[15, 30], default=15)
    offered = serializers.IntegerField(min_value=0, help_text="calls offered to the queue")
    answered = serializers.IntegerField(min_value=0, help_text="answered by an agent (≤ offered)")
    answered_within_threshold = serializers.IntegerField(
        min_value=0, help_text="answered within threshold_seconds of queueing (≤ answered)"
    )
    abandoned = serializers.IntegerField(
        min_value=0, help_text="hung up while queued; answered + abandoned ≤ offered"
    )
    short_abandons = serializers.IntegerField(
        min_value=0, default=0, help_text="abandons within a few seconds (≤ abandoned)"
    )
    asa_seconds = serializers.FloatField(
        min_value=0, required=False, allow_null=True, help_text="average speed of answer"
    )
    threshold_seconds = serializers.IntegerField(min_value=1, max_value=600, default=20)
    complaints = serializers.IntegerField(
        min_value=0,
        default=0,
        help_text="customer complaints received in the interval (the mass-complaint rule's feed)",
    )
    answer_rate_formula = serializers.ChoiceField(
        choices=[str(f) for f in ANSWER_RATE_FORMULAS], default=str(ANSWER_RATE_FORMULAS[0])
    )
    service_level_formula = serializers.ChoiceField(
        choices=[str(f) for f in SERVICE_LEVEL_FORMULAS], default=str(SERVICE_LEVEL_FORMULAS[0])
    )
    abandonment_formula = serializers.ChoiceField(
        choices=[str(f) for f in ABANDONMENT_FORMULAS], default=str(ABANDONMENT_FORMULAS[0])
    )


class WarningOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rule = serializers.CharField()
    queue = serializers.CharField()
    interval_start = serializers.DateTimeField()
    threshold = serializers.FloatField(allow_null=True)
    figure = serializers.FloatField(allow_null=True)
    incident = serializers.IntegerField(allow_null=True)
    outcome = serializers.ChoiceField(choices=["declared", "appended", "recorded"])


class IngestResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField(
        help_text="identical to what was stored: nothing changed, not judged again"
    )
    warnings = WarningOutSerializer(many=True, help_text="rules that fired on this batch")


class SystemEventInputSerializer(serializers.Serializer):
    system = serializers.CharField(
        help_text="code of a system registered in the admin (受监测系统); unknown → 400"
    )
    status = serializers.ChoiceField(choices=["down", "up"])
    at = serializers.DateTimeField(
        help_text="ISO 8601 with offset; not in the future (5 min skew allowed), not older than 24 h"
    )


class SystemEventResultSerializer(serializers.Serializer):
    system = serializers.CharField()
    status = serializers.CharField(help_text="the system's status after the event")
    changed = serializers.BooleanField(help_text="false when the event repeated the current status (no-op)")
    event = serializers.IntegerField(allow_null=True)
    incident = serializers.IntegerField(allow_null=True)
    detail = serializers.CharField()
