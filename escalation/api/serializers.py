from __future__ import annotations

from rest_framework import serializers

from escalation.models import Notification


class InboxNotificationSerializer(serializers.ModelSerializer):
    incident_title = serializers.CharField(source="incident.title", default=None, read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "event",
            "subject",
            "body",
            "is_drill",
            "incident",
            "incident_title",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields
