"""Walk an incident through the lifecycle by the API, as the demo users would (used by several tests)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from teams.models import Person

LEAD_OF_PLAN = {"phone": "phone_lead", "sudden": "sudden_lead", "complaint": "complaint_lead"}
APPROVERS_OF_PLAN = {"phone": ["gm"], "sudden": ["gm", "security_head"], "complaint": ["gm", "hq_office"]}
CATEGORY_OF_PLAN = {"phone": "system_outage", "sudden": "disaster", "complaint": "business_dispute"}


def body_for(name: str, incident: dict | None = None) -> dict:
    commander = Person.objects.filter(user__username="supervisor").values_list("pk", flat=True).first()
    return {
        "report": {"situation": "IVR 与坐席系统中断", "impact": "约 300 名客户无法接通", "grade": "II"},
        "dismiss": {"reason": "60 分钟内已恢复"},
        "reopen": {"reason": "故障再次出现"},
        "activate": {"damage_degree": "严重", "damage_scale": "全行热线", "grade": "II", "comment": "启动"},
        "decline": {"reason": "影响有限，不予启动"},
        "execute": {"on_scene_commander": commander},
        "request_termination": {
            "resolution_summary": "系统已恢复，接通率回到 85%",
            "termination_deadline": (timezone.now() + timedelta(hours=2)).isoformat(),
        },
        "approve_termination": {"comment": "同意"},
        "reject_termination": {"reason": "仍需观察"},
        "investigate": {"investigators": [commander]},
        "close": {"comment": "结案"},
    }[name]


def move(api, username: str, incident_id: int, name: str, **extra) -> object:
    return api(username).post(
        f"/api/v1/incidents/{incident_id}/transitions/{name}/", {**body_for(name), **extra}, format="json"
    )
