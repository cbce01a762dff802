"""The early-warning defaults of DESIGN §5 and a first registry of monitored systems (editable in the
admin), seeded by a data migration and re-ensured by ``seed_demo``. Thresholds: docs/monitoring.md."""

from decimal import Decimal

# fmt: off
RULES = [
    # code, name, kind, threshold, consecutive, min_offered, category, audience, enabled
    ("answer_rate_severe", "接通率严重偏低", "answer_rate_below", "0.70", 2, 20, "service_level", "", True),
    ("service_level_severe", "服务水平严重偏低", "service_level_below", "0.50", 2, 20, "service_level", "", True),
    ("service_level_target", "服务水平未达目标（80/20）", "service_level_below", "0.80", 4, 20, "service_level", "", False),
    ("abandonment_high", "放弃率过高", "abandonment_above", "0.25", 2, 20, "service_level", "", True),
    ("complaints_mass", "群体性投诉", "complaints_above", "10", 1, 0, "business_dispute", "group:complaint", True),
    ("system_down", "系统故障", "system_down", None, 1, 0, "system_outage", "group:phone,party:tech_support", True),
]
# fmt: on

SYSTEMS = [
    ("acd", "ACD 排队机/交换机"),
    ("ivr", "IVR 自动语音应答"),
    ("crm", "客户信息系统"),
    ("core_banking", "核心业务系统"),
    ("network", "网络设备"),
    ("recording", "录音系统"),
]


def ensure_defaults(Rule, System) -> None:  # noqa: N803 - model classes, historical in migrations
    """Create the default rules and systems that are missing (get_or_create: idempotent)."""
    for code, name, kind, threshold, consecutive, min_offered, category, audience, enabled in RULES:
        Rule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "threshold": Decimal(threshold) if threshold else None,
                "consecutive": consecutive,
                "min_offered": min_offered,
                "category": category,
                "audience": audience,
                "enabled": enabled,
            },
        )
    for code, name in SYSTEMS:
        System.objects.get_or_create(code=code, defaults={"name": name})
