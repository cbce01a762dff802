"""Build incidents the way people do: through the services, step by step (never an end-state fixture)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from incidents import regulator
from incidents import services as incident_services
from incidents.models import Incident
from reports import services as report_services
from teams.models import Person


def person(username: str) -> Person:
    return Person.objects.get(user__username=username)


def move(org: dict, username: str, incident: Incident, name: str, **data: Any) -> Incident:
    return incident_services.incident_transition(
        incident_id=incident.pk, name=name, user=org[username], data=data
    )


def run_to_investigation(
    org: dict,
    *,
    warned_in_advance: bool,
    detected_minutes_ago: int = 5,
    is_drill: bool = False,
    category: str = "system_outage",
) -> Incident:
    """Declare → report → activate → regulator decision, phone report → execute → measures → terminate →
    investigate.

    ``warned_in_advance``: the warning is declared while the event has not yet begun (a rule watching the
    answer rate raised it; the outage started later), otherwise the event started at detection."""
    now = timezone.now()
    started_at = now + timedelta(minutes=3) if warned_in_advance else None
    incident = incident_services.incident_declare(
        user=org["supervisor"],
        data={
            "title": "核心系统中断导致热线无法接通",
            "category": category,
            "description": "呼叫中心无法查询客户信息，IVR 转人工失败",
            "detected_at": (now - timedelta(minutes=detected_minutes_ago)).isoformat(),
            "grade": "II",
            "is_drill": is_drill,
            "affected_system": "核心系统",
        },
        started_at=started_at,
    )
    move(
        org,
        "agent",
        incident,
        "report",
        situation="IVR 与坐席系统中断",
        impact="约 300 名客户无法接通",
        grade="II",
    )
    move(
        org,
        "gm",
        incident,
        "activate",
        damage_degree="严重",
        damage_scale="全行热线",
        grade="II",
        grade_evidence="接通率连续 3 个时段低于 40%",
        comment="启动电话接通应急预案",
    )
    incident_services.incident_record_regulator_decision(
        incident_id=incident.pk,
        user=org["gm"],
        data={"decision": "report", "comment": "影响全行热线，须报告"},
    )
    for deadline in regulator.open_deadlines(incident=incident):  # the phone report, made in time
        regulator.submission_record(
            incident_id=incident.pk,
            deadline_id=deadline.pk,
            user=org["gm"],
            data={
                "submitted_at": timezone.now().isoformat(),
                "channel": "phone",
                "office": "国家金融监督管理总局某监管分局",
                "reference": "",
            },
        )
    move(org, "phone_lead", incident, "execute", on_scene_commander=person("supervisor").pk)
    first_item = incident.checklist.order_by("position").first()
    incident_services.checklist_item_complete(
        item_id=first_item.pk, user=org["phone_lead"], data={"evidence": "已通知技术支持 张工"}
    )
    incident_services.incident_add_update(
        incident_id=incident.pk, user=org["phone_lead"], data={"text": "已启用 IVR 排队提示，二线支援一线"}
    )
    move(
        org,
        "phone_lead",
        incident,
        "request_termination",
        resolution_summary="系统已恢复，接通率回到 85%",
        termination_deadline=(timezone.now() + timedelta(hours=2)).isoformat(),
    )
    move(org, "gm", incident, "approve_termination", comment="同意终止")
    move(org, "supervisor", incident, "investigate", investigators=[person("phone_lead").pk])
    return Incident.objects.get(pk=incident.pk)


def complete_investigation(org: dict, incident: Incident, *, by: str = "phone_lead") -> None:
    report_services.investigation_update(
        incident_id=incident.pk,
        user=org[by],
        data={
            "direct_cause": "核心交换机板卡故障",
            "root_cause": "交换机未做双机冗余",
            "is_internal_cause": True,
            "consequences": "热线中断 70 分钟",
            "customers_affected": 1234,
            "financial_loss": "5600.50",
            "answer_rate_impact": "接通率最低 38%",
            "measures_not_taken": "",
            "discipline": "通报批评",
            "lessons_learned": "关键网络设备必须冗余，并每季度切换演练",
        },
    )
    report_services.responsible_person_add(
        incident_id=incident.pk,
        user=org[by],
        data={"person": person("agent").pk, "responsibility": "direct", "description": "未按规定巡检"},
    )
    report_services.responsible_person_add(
        incident_id=incident.pk,
        user=org[by],
        data={"name": "网络运维外包商", "responsibility": "indirect", "description": "备件未到位"},
    )
