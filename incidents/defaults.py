"""Version 1 of each plan's measures (DESIGN §4; Art. 13, 14, 14-bis), seeded by a data migration and
re-ensured by ``seed_demo``. Admins edit later versions in the admin."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

# (code, title, article, owner role, minutes after activation, recurrence). Titles and articles are stored
# in Chinese, the plan's language, and translated when shown (``gettext_noop`` marks them for the catalogue).
CHECKLIST_TEMPLATES: dict[str, list[tuple[str, str, str, str, int, str]]] = {
    "phone": [  # Art. 13 and Art. 7 (2)
        (
            "notify_tech_support",
            gettext_noop("通知系统维护和技术支持部门"),
            gettext_noop("第七条（二）"),
            "lead_group_lead",
            10,
            "",
        ),
        (
            "ivr_announcement",
            gettext_noop("启用IVR语音公告／排队位置提示"),
            gettext_noop("第十三条"),
            "lead_group_lead",
            15,
            "",
        ),
        (
            "overflow_callback",
            gettext_noop("启用溢出分流与客户回呼"),
            gettext_noop("第十三条"),
            "lead_group_lead",
            20,
            "",
        ),
        (
            "second_line_to_front",
            gettext_noop("二线人员转至一线接听"),
            gettext_noop("第十四条（一）"),
            "deputy",
            30,
            "",
        ),
        ("extend_shifts", gettext_noop("延长班次、增派人手"), gettext_noop("第十三条"), "deputy", 60, ""),
        (
            "watch_answer_rate",
            gettext_noop("逐时段监测接通率，直至恢复到目标值以上"),
            gettext_noop("第十八条"),
            "lead_group_lead",
            120,
            "",
        ),
    ],
    "sudden": [  # Art. 14
        (
            "keep_hotline",
            gettext_noop("保障全行客户服务热线正常运行"),
            gettext_noop("第十四条（一）"),
            "lead_group_lead",
            15,
            "",
        ),
        (
            "second_line_to_front",
            gettext_noop("二线人员转至一线"),
            gettext_noop("第十四条（一）"),
            "deputy",
            30,
            "",
        ),
        (
            "ab_rotation",
            gettext_noop("全体人员分A、B两组交替服务（生成轮换排班，周期1天至1周）"),
            gettext_noop("第十四条（一）"),
            "lead_group_lead",
            120,
            "",
        ),
        (
            "evacuation_roll_call",
            gettext_noop("火灾、盗抢时按安全通道疏散并点名（会同大厦物业和保安）"),
            gettext_noop("第十四条（三）"),
            "building_security",
            10,
            "",
        ),
        (
            "closed_management",
            gettext_noop("办公楼层实行封闭管理"),
            gettext_noop("第十四条（二）"),
            "building_security",
            240,
            "",
        ),
        (
            "friday_disinfection",
            gettext_noop("每周五彻底清洁消毒"),
            gettext_noop("第十四条（二）"),
            "lead_group_lead",
            0,
            "weekly_friday",
        ),
        (
            "medicine_supplements",
            gettext_noop("发放抗病毒药品和营养品"),
            gettext_noop("第十四条（二）"),
            "lead_group_lead",
            1440,
            "",
        ),
    ],
    "complaint": [  # Art. 14-bis
        (
            "media_log_assessment",
            gettext_noop("登记主流媒体负面报道并评估声誉损害"),
            gettext_noop("第十四条之二（一）"),
            "lead_group_lead",
            60,
            "",
        ),
        (
            "dispute_plan_approval",
            gettext_noop("制定纠纷解决方案，报领导小组批准后实施"),
            gettext_noop("第十四条之二（二）"),
            "lead_group_lead",
            240,
            "",
        ),
        (
            "clarification",
            gettext_noop("不实报道的澄清稿经总行办公室审核后发布"),
            gettext_noop("第十四条之二（三）"),
            "hq_general_office",
            1440,
            "",
        ),
        (
            "legal_referral",
            gettext_noop("涉诉纠纷和案件移交法律事务管理部门"),
            gettext_noop("第十四条之二（四）"),
            "lead_group_lead",
            1440,
            "",
        ),
        (
            "named_handler",
            gettext_noop("重大投诉、客户上门投诉指定专人处理，必要时上报总行服务管理部门"),
            gettext_noop("第十四条之二（五）"),
            "lead_group_lead",
            120,
            "",
        ),
        (
            "remedies",
            gettext_noop("登记补救措施（黑名单、分支机构协助、礼品积分、上门致歉）"),
            gettext_noop("第十四条之二（六）"),
            "lead_group_lead",
            2880,
            "",
        ),
        # Art. 14-bis (7), 15 days per complaint: each complaint's own clock (``measures``), not a line here
        # (decisions.md; ``0006_drop_complaint_clock_template_item``)
    ],
}


# The kinds of event each kind-specific measure applies to (Art. 14); a measure not named here is common to
# every kind. Art. 14 (二): closed floor, Friday disinfection, antiviral medicine — an epidemic's; Art. 14 (三):
# evacuation by the safety passages — on fire, theft or robbery in the office.
CHECKLIST_ITEM_KINDS: dict[str, dict[str, list[str]]] = {
    "sudden": {
        "evacuation_roll_call": ["fire", "theft_robbery"],
        "closed_management": ["epidemic"],
        "friday_disinfection": ["epidemic"],
        "medicine_supplements": ["epidemic"],
    },
}


def ensure_checklist_templates(template_model: Any, item_model: Any) -> int:
    """Create version 1 of any plan that has no template yet. Takes the models so a migration can pass its
    historical ones. Returns how many templates were created."""
    created_count = 0
    # migration 0002's historical model predates the kinds (0005 tags the items it created)
    tagged = any(field.name == "kinds" for field in item_model._meta.get_fields())
    for plan, items in CHECKLIST_TEMPLATES.items():
        if template_model.objects.filter(plan=plan).exists():
            continue
        template = template_model.objects.create(plan=plan, version=1, note="初始版本")
        item_model.objects.bulk_create(
            item_model(
                template=template,
                position=i,
                code=code,
                title=title,
                article=article,
                owner_role=owner,
                due_after_minutes=minutes,
                recurrence=recurrence,
                **({"kinds": CHECKLIST_ITEM_KINDS.get(plan, {}).get(code, [])} if tagged else {}),
            )
            for i, (code, title, article, owner, minutes, recurrence) in enumerate(items, start=1)
        )
        created_count += 1
    return created_count
