"""The early-warning defaults of DESIGN §5 and a first registry of monitored systems (editable in the admin).

Target 80 % of calls answered within 20 s; severe when the answer rate stays below 70 % or the service
level below 50 % for 2 consecutive intervals. The abandonment and complaint thresholds are this project's
choice (DESIGN leaves Z and K open) and documented in docs/monitoring.md.
"""

from decimal import Decimal

from django.db import migrations

RULES = [
    # code, name, kind, threshold, consecutive, min_offered, category, audience, enabled
    ("answer_rate_severe", "接通率严重偏低", "answer_rate_below", "0.70", 2, 20, "service_level", "", True),
    ("service_level_severe", "服务水平严重偏低", "service_level_below", "0.50", 2, 20, "service_level", "", True),
    ("service_level_target", "服务水平未达目标（80/20）", "service_level_below", "0.80", 4, 20, "service_level", "", False),
    ("abandonment_high", "放弃率过高", "abandonment_above", "0.25", 2, 20, "service_level", "", True),
    ("complaints_mass", "群体性投诉", "complaints_above", "10", 1, 0, "business_dispute", "group:complaint", True),
    ("system_down", "系统故障", "system_down", None, 1, 0, "system_outage", "group:phone,party:tech_support", True),
]

SYSTEMS = [
    ("acd", "ACD 排队机/交换机"),
    ("ivr", "IVR 自动语音应答"),
    ("crm", "客户信息系统"),
    ("core_banking", "核心业务系统"),
    ("network", "网络设备"),
    ("recording", "录音系统"),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("monitoring", "EarlyWarningRule")
    System = apps.get_model("monitoring", "MonitoredSystem")
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


def unseed(apps, schema_editor):
    apps.get_model("monitoring", "EarlyWarningRule").objects.filter(
        code__in=[r[0] for r in RULES], warnings__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
