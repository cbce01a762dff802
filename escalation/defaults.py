# ruff: noqa: E501  (the policy texts are Chinese sentences, kept whole for translators and admins)
"""The default escalation policies of DESIGN §5, seeded into the database (admin-editable there).

When a policy row is missing (never seeded, or deleted), these defaults apply; a row with
``is_active=False`` switches the policy off.
"""

from __future__ import annotations

from typing import Any

MINUTE = 60
HOUR = 3600

DEFAULT_POLICIES: dict[str, dict[str, Any]] = {
    "measure_overdue": {
        "name": "预案措施逾期提醒与升级",
        "description": "Issue 13：每一项措施（预案清单项、纠纷解决方案、澄清声明的待审核/待发布步骤、单笔投诉、整改措施）到完成时限仍未完成，提醒责任人；15 分钟后提醒牵头小组组长；30 分钟后提醒组长和副组长。完成即停止计时。步骤从该措施的完成时限起算；owner 为该措施的责任人。",
        "steps": [
            {"after_seconds": 0, "audience": ["owner"], "event": "measure_overdue"},
            {"after_seconds": 15 * MINUTE, "audience": ["lead_group_lead"], "event": "measure_overdue"},
            {"after_seconds": 30 * MINUTE, "audience": ["leadership_deciders"], "event": "measure_overdue"},
        ],
        "params": {},
    },
    "acknowledgement": {
        "name": "确认收到与无人应答升级",
        "description": "Issue 13：需确认的通知（移交、督办）在等待时间内未确认收到，先换下一渠道（短信、邮件）重发，渠道用尽后依次转告副组长、组长；确认链接的有效期。",
        "steps": [],
        "params": {
            "wait_seconds": 15 * MINUTE,
            "channels": ["sms", "email"],
            "next_people": ["deputy", "leader"],
            "link_max_age_seconds": 24 * HOUR,
        },
    },
    "decision_pending": {
        "name": "待决策提醒（已报告·待决策）",
        "description": "Art. 8–9：报告后领导小组未作决定，15 分钟提醒组长和副组长，30 分钟提醒全体领导小组成员。",
        "steps": [
            # who may decide (``policies.may_decide``): the leader, deputy, acting leader — not the reporter
            {"after_seconds": 15 * MINUTE, "audience": ["activation_deciders"], "event": "decision_pending"},
            {"after_seconds": 30 * MINUTE, "audience": ["leadership"], "event": "decision_pending"},
        ],
        "params": {},
    },
    "progress_silent": {
        "name": "最新进展提醒（实施中）",
        "description": "Art. 10：实施中 30 分钟无最新进展提醒牵头小组组长，60 分钟提醒副组长；每次进展更新重新计时。",
        "steps": [
            {"after_seconds": 30 * MINUTE, "audience": ["lead_group_lead"], "event": "progress_silent"},
            {"after_seconds": 60 * MINUTE, "audience": ["deputy"], "event": "progress_silent"},
        ],
        "params": {},
    },
    "approvals_missing": {
        "name": "终止审批提醒（申请终止）",
        "description": "Art. 15–17：申请终止 30 分钟后仍缺审批，提醒尚未审批的审批方。",
        "steps": [
            {"after_seconds": 30 * MINUTE, "audience": ["missing_approvers"], "event": "approvals_missing"}
        ],
        "params": {},
    },
    "termination_overdue": {
        "name": "终止时限已过",
        "description": "Art. 15、17：提出的终止时限已到而事件尚未终止，提醒牵头小组组长和组长。",
        "steps": [
            {"after_seconds": 0, "audience": ["lead_group_lead", "leader"], "event": "termination_overdue"}
        ],
        "params": {},
    },
    "investigation_not_started": {
        "name": "事后调查未启动",
        "description": "Art. 19：终止 1 天后仍未启动事后调查，提醒组长和副组长。",
        "steps": [
            {
                "after_seconds": 24 * HOUR,
                "audience": ["leadership_deciders"],
                "event": "investigation_not_started",
            }
        ],
        "params": {},
    },
    "investigation_not_closed": {
        "name": "事后调查未结案",
        "description": "Art. 19–21：启动调查 10 个工作日仍未结案，提醒组长和副组长。",
        "steps": [
            {
                "after_working_days": 10,
                "audience": ["leadership_deciders"],
                "event": "investigation_not_closed",
            }
        ],
        "params": {},
    },
    "regulator_decision_missing": {
        "name": "监管报告决定提醒",
        "description": "Art. 10：启动后领导小组尚未决定是否向监管部门报告，30 分钟提醒组长和副组长，60 分钟提醒全体。",
        "steps": [
            {
                "after_seconds": 30 * MINUTE,
                "audience": ["leadership_deciders"],
                "event": "regulator_decision_missing",
            },
            {"after_seconds": 60 * MINUTE, "audience": ["leadership"], "event": "regulator_decision_missing"},
        ],
        "params": {},
    },
    "regulator_deadlines": {
        "name": "监管报告时限",
        "description": "决定报告后，自启动时起计：电话报告 30 分钟；Ⅰ级事件书面报告 1 小时；重要信息系统事件 12 小时；"
        "重大操作风险事件 5 个工作日。到期提醒领导小组决策人和监管联络人。",
        "steps": [],
        "params": {
            "phone_report_seconds": 30 * MINUTE,
            "written_report_grade_i_seconds": HOUR,
            "important_system_seconds": 12 * HOUR,
            "major_operational_risk_working_days": 5,
            "audience": ["leadership_deciders", "party:regulator_liaison"],
        },
    },
    "late_report": {
        "name": "缓报判定",
        "description": "Art. 21：发现至上报领导小组超过阈值即判定为缓报，带入事后调查。",
        "steps": [],
        "params": {"threshold_seconds": HOUR},
    },
    "post_event_watch": {
        "name": "事后观察期",
        "description": "Art. 18：终止后观察期内，同一系统或同一类别的新预警关联到已终止事件，并告知其牵头小组。",
        "steps": [],
        "params": {"hours": 72},
    },
}
