"""A handful of incidents in different states for the demo board, made through the services as people
would make them (so their timelines are real). Runs only when there are no incidents yet."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from incidents import services
from incidents.models import Incident
from teams.models import Person


class Command(BaseCommand):
    help = "Seed demo incidents (only when the database has none)."

    @transaction.atomic
    def handle(self, *args, **options):
        if Incident.objects.exists():
            self.stdout.write("Incidents already present; nothing seeded.")
            return
        users = {u.username: u for u in get_user_model().objects.all()}
        now = timezone.now()
        commander = Person.objects.get(user__username="supervisor").pk

        def declare(username: str, **data) -> Incident:
            return services.incident_declare(user=users[username], data=data)

        def move(incident: Incident, username: str, name: str, **data) -> None:
            services.incident_transition(incident_id=incident.pk, name=name, user=users[username], data=data)

        declare(
            "supervisor",
            title="核心业务系统查询超时",
            category="system_outage",
            affected_system="核心业务系统",
            description="坐席查询客户信息超时，IVR 自助查询失败",
            detected_at=now - timedelta(minutes=25),
            grade="III",
        )
        queue = declare(
            "agent", title="接通率连续两个时段低于70%", category="service_level",
            description="09:00–09:30 接通率 62%、58%", detected_at=now - timedelta(minutes=50),
        )  # fmt: skip
        move(
            queue, "agent", "report", situation="排队人数持续上升", impact="约 400 通来电未接通", grade="III"
        )

        fire = declare(
            "sudden_lead", title="三楼火警疏散演练", category="disaster", kind="fire", is_drill=True,
            description="季度消防疏散演练", detected_at=now - timedelta(hours=2),
        )  # fmt: skip
        move(
            fire, "sudden_lead", "report", situation="三楼烟感报警", impact="三楼坐席 40 人需疏散", grade="II"
        )
        move(fire, "gm", "activate", damage_degree="人员安全风险", damage_scale="三楼全体", grade="II")
        move(fire, "sudden_lead", "execute", on_scene_commander=commander)
        services.incident_add_update(
            incident_id=fire.pk, user=users["sudden_lead"], data={"text": "已按安全通道疏散，正在点名"}
        )

        press = declare(
            "complaint_lead", title="媒体报道客户资金损失投诉", category="business_dispute",
            description="某网站报道客户因解释错误受损", detected_at=now - timedelta(days=1),
        )  # fmt: skip
        move(
            press, "complaint_lead", "report", situation="负面报道转载 30 余次", impact="声誉风险", grade="II"
        )
        move(press, "gm", "activate", damage_degree="声誉受损", damage_scale="本市", grade="II")
        move(press, "complaint_lead", "execute", on_scene_commander=commander)
        move(
            press, "complaint_lead", "request_termination", resolution_summary="已与客户和解，澄清稿已发布",
            termination_deadline=(now + timedelta(hours=4)).isoformat(),
        )  # fmt: skip
        move(press, "gm", "approve_termination", comment="同意，待总行办公室审批")
        self.stdout.write(self.style.SUCCESS("Seeded 4 demo incidents."))
