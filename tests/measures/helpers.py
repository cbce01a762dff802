"""Shared set-ups of the measures' tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from incidents import services as incident_services
from measures import services


def fire_with_roll_call(org: dict[str, Any], title: str = "三楼冒烟") -> tuple[Any, Any]:
    """A fire the supervisor has just declared, with the evacuation roll call started (Art. 14 (3): it does
    not wait for the activation): ``(incident, roll_call)``."""
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={"title": title, "category": "disaster", "detected_at": timezone.now() - timedelta(minutes=2)},
    )
    roll_call = services.roll_call_start(
        incident_id=incident.pk, user=org["supervisor"], data={"assembly_point": "大厦东侧广场"}
    )
    return incident, roll_call
