"""What the pages say about an incident: the plan's words for each transition and action (DESIGN §9),
who must act next, and the lifecycle diagram drawn from the state machine itself (so it never drifts)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.wording import join_list

from .models import Incident, State
from .models.checklist import measure_title
from .plans import ApprovalSlot, IncidentKind

TRANSITION_LABELS = {
    "report": _("上报领导小组（申请启动）"),
    "dismiss": _("解除预警"),
    "reopen": _("重新监测"),
    "activate": _("启动预案"),
    "decline": _("不予启动"),
    "execute": _("开始实施"),
    "request_termination": _("申请终止"),
    "approve_termination": _("批准终止"),
    "reject_termination": _("驳回终止"),
    "investigate": _("启动调查"),
    "close": _("结案"),
}

# The moves that stand down or turn back rather than carry the response forward: shown after the others, as
# secondary buttons, so that at 3 a.m. the forward step ("上报领导小组") is the one that stands out.
STAND_DOWN_TRANSITIONS = ("dismiss", "decline", "reject_termination")

# Transitions that only the Leadership Group (or the plan's approvers) take: shown in the approval inbox.
DECISION_TRANSITIONS = ("activate", "decline", "approve_termination", "reject_termination")

# Every action that can stand on a timeline, whichever app records it: one table for pages, reports and PDFs.
ACTION_LABELS = {
    **TRANSITION_LABELS,
    "declare": _("登记事件"),
    "early_warning": _("预警提示"),
    "system_recovered": _("系统已恢复"),
    "recurrence_linked": _("关联复发事件"),
    "late_report_flagged": _("标记缓报"),
    "notification_failed": _("通知发送失败"),
    "progress_update": _("最新进展"),
    "attachment_added": _("添加附件"),
    "checklist_done": _("完成预案措施"),
    "regulator_decision": _("向监管部门报告的决定"),
    "event_start_corrected": _("更正事件开始时间"),
    "kind_corrected": _("更正突发事件种类"),
    "regulator_submission": _("登记监管报送"),
    "regulator_waiver_requested": _("申请豁免监管报告时限"),
    "regulator_waiver_approved": _("批准豁免监管报告时限"),
    "roster_generated": _("生成A/B轮换排班"),
    "second_line_moved": _("二线人员调入一线"),
    "second_line_returned": _("调入一线的二线人员恢复原岗位"),
    "after_event_recorded": _("登记事后工作（第十八条）"),
    "roll_call_started": _("撤离点名开始"),
    "roll_call_marked": _("点名确认"),
    "roll_call_closed": _("撤离点名结束"),
    "media_report": _("登记媒体报道"),
    "reputation_assessment": _("声誉损害评估"),
    "dispute_plan_proposed": _("提出纠纷解决方案"),
    "dispute_plan_approved": _("批准纠纷解决方案"),
    "dispute_plan_rejected": _("不批准纠纷解决方案"),
    "dispute_plan_done": _("纠纷解决方案实施完成"),
    "legal_referral": _("移交法律事务管理部门"),
    "complaint_handler_assigned": _("指定投诉处理人"),
    "complaint_escalated_hq": _("上报总行服务管理部门"),
    "remedy_recorded": _("登记补救措施"),
    "complaint_clock_started": _("投诉办结时限开始计时"),
    "complaint_extension_requested": _("申请投诉办结延期"),
    "complaint_extension_approved": _("批准投诉办结延期"),
    "complaint_extension_rejected": _("不批准投诉办结延期"),
    "investigation_updated": _("更新调查报告"),
    "responsible_person_added": _("认定责任人"),
    "corrective_action_added": _("新增整改措施"),
    "corrective_action_updated": _("更新整改措施"),
    "drill_recorded": _("记录演练"),
    "roll_call_missing_found": _("失联人员已找到"),
    "notification_acknowledged": _("确认收到通知"),
    "notification_unacknowledged": _("通知无人确认，已转告"),
    "statement_drafted": _("起草澄清声明"),
    "statement_vetted": _("总行办公室审核通过澄清声明"),
    "statement_returned": _("总行办公室退回澄清声明"),
    "statement_published": _("发布澄清声明"),
}

DEADLINE_LABELS = {
    "termination_deadline": _("终止时限"),
    "outage_limit": _("60分钟故障时限"),
    "decision_pending": _("待领导小组决策"),
    "regulator_decision": _("监管报告决定"),
    "regulator_phone": _("监管电话报告"),
    "regulator_written": _("监管书面报告"),
    "complaint_clock": _("投诉办结时限"),
}

STATE_MEANINGS: dict[str, tuple[Any, Any]] = {
    State.MONITORING: (_("正在关注风险或预警提示，尚未上报。"), _("第七条")),
    State.REPORTED: (_("工作小组已向领导小组申请启动，等待决策。"), _("第八条")),
    State.ACTIVATED: (_("领导小组预测损害程度和规模后决定启动预案。"), _("第九条、第十一条")),
    State.EXECUTING: (_("牵头工作小组在统一指挥下实施预案，及时报告最新进展。"), _("第十条至第十四条")),
    State.TERMINATION_REQUESTED: (_("已提出终止建议和终止时限，等待审批。"), _("第十五条至第十七条")),
    State.TERMINATED: (_("所有审批方均已批准；事后继续监测，严防反复。"), _("第十八条")),
    State.INVESTIGATING: (
        _("调查原因、是否提前预警、责任人和后果，提出防范控制措施。"),
        _("第十九条至第二十一条"),
    ),
    State.CLOSED: (_("专门报告已批准，事件只读。"), _("第十九条")),
    State.DISMISSED: (_("误报、及时恢复或领导小组决定不予启动。"), _("第九条")),
}


def kind_label(kind: str) -> str:
    return str(IncidentKind(kind).label) if kind in IncidentKind.values else str(_("未确定"))


def kept_reason(item: dict[str, Any]) -> str:
    """Why a kind correction kept an item open (``contributions.add_keep_open_source``): its ``why`` (a
    Chinese msgid) and, when given, how many people are 失联 / not yet confirmed, in the active language."""
    why = gettext(item.get("why", ""))
    facts = []
    if item.get("missing"):
        facts.append(ngettext("失联 %(n)d 人", "失联 %(n)d 人", item["missing"]) % {"n": item["missing"]})
    if item.get("unknown"):
        facts.append(ngettext("未确认 %(n)d 人", "未确认 %(n)d 人", item["unknown"]) % {"n": item["unknown"]})
    listed = gettext("、").join(facts)
    if not facts:
        return why
    return str(_("%(why)s：%(facts)s") % {"why": why, "facts": listed}) if why else listed


def kind_correction_text(payload: dict[str, Any]) -> str:
    """ "火灾 → 重大疾病疫情：<reason>", then the measures added, reinstated and withdrawn, in the active
    language."""
    text = _("突发事件种类：%(from)s → %(to)s。理由：%(reason)s") % {
        "from": kind_label(payload.get("from", "")),
        "to": kind_label(payload["to"]),
        "reason": payload.get("reason", ""),
    }
    if payload.get("added"):
        text += " " + _("新增措施：%(items)s。") % {"items": join_list(gettext(t) for t in payload["added"])}
    if payload.get("reinstated"):
        text += " " + _("恢复此前撤销的措施：%(items)s。") % {
            "items": join_list(gettext(t) for t in payload["reinstated"])
        }
    if payload.get("withdrawn"):
        text += " " + _("撤下未完成的措施：%(items)s。") % {
            "items": join_list(gettext(t) for t in payload["withdrawn"])
        }
    if payload.get("kept_items"):
        text += " " + _("保留进行中的措施（未撤下）：%(items)s。") % {
            "items": gettext("、").join(
                _("%(title)s（%(why)s）") % {"title": gettext(item["title"]), "why": kept_reason(item)}
                for item in payload["kept_items"]
            )
        }
    if payload.get("removed"):  # entries written before withdrawn measures were kept: those rows were deleted
        text += " " + _("删除未完成的措施：%(items)s。") % {
            "items": join_list(gettext(t) for t in payload["removed"])
        }
    return str(text)


def after_event_recorded_text(payload: dict[str, Any]) -> str:
    """Art. 18: "登记事后工作（第十八条）：<title>，责任人 <owner>，完成时限 <due>。", in the active
    language."""
    return str(
        _("登记事后工作（第十八条）：%(title)s，责任人 %(owner)s，完成时限 %(due)s。")
        % {"title": measure_title(payload["title"]), "owner": payload["owner_name"], "due": payload["due"]}
    )


def second_line_moved_text(payload: dict[str, Any]) -> str:
    """Art. 14 (1): who moved to the front line, and the note typed with it, in the active language."""
    text = _("二线人员调入一线（第十四条（一））：%(names)s。 %(note)s") % {
        "names": join_list(payload["names"]),
        "note": payload.get("note", ""),
    }
    return str(text).strip()


def second_line_returned_text(payload: dict[str, Any]) -> str:
    """The incident's duration ended: the moved people went back to their own line, in the active
    language."""
    return str(
        _("事件状态为“%(state)s”，调入一线的二线人员恢复原岗位：%(names)s。")
        % {"state": State(payload["state"]).label, "names": join_list(payload["names"])}
    )


# Timeline texts the system writes with figures in them, rebuilt from the entry's payload in the reader's
# language (the stored Chinese text stays the record the hash chain covers).
_SYSTEM_COMMENTS = {
    "kind_corrected": kind_correction_text,
    "after_event_recorded": after_event_recorded_text,
    "second_line_moved": second_line_moved_text,
    "second_line_returned": second_line_returned_text,
    "late_report_flagged": lambda p: (
        _("发现至上报 %(delay)s 分钟，超过 %(threshold)s 分钟（缓报，第二十一条）")
        % {"delay": p["delay_seconds"] // 60, "threshold": p["threshold_seconds"] // 60}
    ),
    "recurrence_linked": lambda p: (
        _("事后观察期内再次预警，已关联已终止事件 #%(id)s（第十八条）") % {"id": p["related_incident"]}
    ),
    "roster_generated": lambda p: (
        _("生成A/B轮换排班：A组 %(a)d 人，B组 %(b)d 人，每 %(days)d 天轮换。")
        % {"a": p["counts"]["A"], "b": p["counts"]["B"], "days": p["period_days"]}
    ),
    "roll_call_started": lambda p: (
        _("撤离点名开始，集合地点：%(point)s，应到 %(n)d 人。") % {"point": p["point"], "n": p["expected"]}
    ),
    "roll_call_marked": lambda p: roll_call_mark_text(p),
    "roll_call_missing_found": lambda p: roll_call_mark_text(p),
    "roll_call_closed": lambda p: roll_call_close_text(p),
}


def roll_call_mark_text(payload: dict[str, Any]) -> str:
    """ "王五：已到" — the status word is the catalogue label the service stored beside the code."""
    return f"{payload['person']['name']}{gettext('：')}{gettext(payload['status_label'])}"


ROLL_CALL_MARK_ACTIONS = ("roll_call_marked",)  # the marks of an open roll call, grouped on the page


def roll_call_marks_summary(payloads: list[dict[str, Any]]) -> str:
    """ "点名：标记 16 人（已到 14，失联 1，不在岗 1）" — a run of marks of one roll call, each person counted
    once by their latest mark in the run, in the reader's language."""
    latest: dict[Any, str] = {}
    for payload in payloads:
        person = payload.get("person") or {}
        latest[person.get("id", person.get("name"))] = payload.get("status", "")
    words = {
        "safe": lambda n: ngettext("已到 %(n)d", "已到 %(n)d", n),
        "missing": lambda n: ngettext("失联 %(n)d", "失联 %(n)d", n),
        "absent": lambda n: ngettext("不在岗 %(n)d", "不在岗 %(n)d", n),
        "unknown": lambda n: ngettext("未确认 %(n)d", "未确认 %(n)d", n),
    }
    statuses = list(latest.values())
    tally = gettext("，").join(
        words[status](statuses.count(status)) % {"n": statuses.count(status)}
        for status in ("safe", "missing", "absent", "unknown")
        if statuses.count(status)
    )
    return str(
        ngettext("点名：标记 %(n)d 人（%(tally)s）", "点名：标记 %(n)d 人（%(tally)s）", len(latest))
        % {"n": len(latest), "tally": tally}
    )


def roll_call_close_text(payload: dict[str, Any]) -> str:
    counts = payload["counts"]
    text = str(
        _("撤离点名结束：已到 %(safe)d，不在岗 %(absent)d，失联 %(missing)d。")
        % {"safe": counts["safe"], "absent": counts["absent"], "missing": counts["missing"]}
    )
    if payload.get("missing"):
        text += str(
            _("失联：%(names)s。理由：%(reason)s")
            % {
                "names": gettext("、").join(m["name"] for m in payload["missing"]),
                "reason": payload.get("reason", ""),
            }
        )
    return text


def timeline_comment(action: str, comment: str, payload: dict[str, Any] | None) -> str:
    """A timeline entry's text for the reader (issue 12): what the system wrote, in the reader's language —
    a catalogue msgid (seeded measures, record names, fixed reasons) is translated, a text with figures is
    rebuilt from the payload; what a person typed has no catalogue entry and stays as typed."""
    if not comment:
        return ""
    build = _SYSTEM_COMMENTS.get(action)
    if build is not None:
        try:
            return str(build(payload or {}))
        except (KeyError, TypeError):
            return comment
    return gettext(comment)


def regulator_choice(data: dict[str, Any]) -> str:
    """What a regulator decision said, in the reader's words: 报告 / 不报告, and which reports it involves."""
    from .models import RegulatorDecision

    decision = data.get("decision")
    if decision not in RegulatorDecision.values:
        return str(decision or "")
    words = [str(RegulatorDecision(decision).label)]
    if decision == RegulatorDecision.REPORT:
        if data.get("important_system") in (True, "on", "true", "1"):
            words.append(str(_("涉及重要信息系统")))
        if data.get("major_operational_risk") in (True, "on", "true", "1"):
            words.append(str(_("重大操作风险事件")))
    return join_list(words)


def next_actor(incident: Incident) -> str:
    """Who must act next, in the plan's words. Reads ``incident.approve_decisions`` when prefetched."""
    group = str(incident.lead_group) if incident.lead_group_id else str(_("牵头工作小组"))
    state = incident.state
    if state == State.MONITORING:
        return str(_("%(group)s或现场主管：上报或解除预警") % {"group": group})
    if state == State.REPORTED:
        return str(_("领导小组组长或副组长：决定是否启动"))
    if state == State.ACTIVATED:
        return str(_("%(group)s组长：开始实施") % {"group": group})
    if state == State.EXECUTING:
        return str(_("%(group)s组长：处置、报告进展、申请终止") % {"group": group})
    if state == State.TERMINATION_REQUESTED:
        decisions = getattr(incident, "approve_decisions", None)
        if decisions is None:
            decisions = [a for a in incident.approvals.all() if a.decision == "approve"]
        done = {a.slot for a in decisions if a.round == incident.termination_round}
        missing = [
            str(ApprovalSlot(slot).label) for slot in incident.required_approval_slots if slot not in done
        ]
        return str(_("待批准终止：%(who)s") % {"who": join_list(missing)})
    return ""


# --- the lifecycle diagram ---------------------------------------------------------------------------


@dataclass
class Node:
    state: str
    label: str
    x: float
    y: float


@dataclass
class Edge:
    name: str
    label: str
    path: str
    label_x: float
    label_y: float
    anchor: str = "middle"


NODE_W, NODE_H, COL_W, ROW_H = 128, 40, 270, 110


def lifecycle_diagram() -> dict[str, Any]:
    """Lay out the state machine of ``Incident.state`` as an SVG: states in columns by their longest
    distance from the initial state along forward moves, transitions as arrows labelled with the plan's
    words. Everything comes from django-fsm's own list of transitions."""
    field = Incident._meta.get_field("state")
    transitions = [
        (t.name, str(t.source), str(t.target))
        for t in field.get_all_transitions(Incident)  # type: ignore[attr-defined]
    ]
    # approve_termination returns its target; both possible targets are part of the machine.
    moves: list[tuple[str, str, str]] = []
    for name, source, target in transitions:
        if name == "approve_termination":
            moves.append((name, source, State.TERMINATED))
        else:
            moves.append((name, source, target))
    moves = [m for m in moves if m[1] != m[2]]
    rank = {str(State.MONITORING): 0}
    for _round in range(len(State.values)):
        changed = False
        for _name, source, target in moves:
            if source in rank and target not in rank:
                rank[target] = rank[source] + 1
                changed = True
        if not changed:
            break
    # Within a column, states reached from the same source stack downwards; dismissed sits below.
    columns: dict[int, list[str]] = {}
    for state in State.values:
        columns.setdefault(rank.get(state, 0), []).append(state)
    # Wrap into two rows of columns so the picture stays readable on a 1366-pixel screen.
    per_row = math.ceil((max(columns) + 1) / 2)
    nodes: dict[str, Node] = {}
    for column, states in columns.items():
        band, col = divmod(column, per_row)
        if band:  # the second band runs right to left, like a snake, so the arrows stay short
            col = per_row - 1 - col
        for index, state in enumerate(states):
            nodes[state] = Node(
                state=state,
                label=str(State(state).label),
                x=20 + col * COL_W,
                y=20 + band * ROW_H * 2 + index * ROW_H,
            )
    edges: list[Edge] = []
    pairs: dict[frozenset[str], int] = {}
    for name, source, target in moves:
        a, b = nodes[source], nodes[target]
        key = frozenset((source, target))
        offset = 10 * pairs.get(key, 0)
        pairs[key] = pairs.get(key, 0) + 1
        ax, ay = a.x + NODE_W / 2, a.y + NODE_H / 2
        bx, by = b.x + NODE_W / 2, b.y + NODE_H / 2
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy) or 1
        ux, uy = dx / length, dy / length
        nx, ny = -uy * (offset + 4), ux * (offset + 4)

        def clip(cx: float, cy: float, sx: float, sy: float) -> tuple[float, float]:
            # the point where the ray from the box centre in direction (sx, sy) leaves the box
            tx = (NODE_W / 2 + 4) / abs(sx) if sx else math.inf
            ty = (NODE_H / 2 + 4) / abs(sy) if sy else math.inf
            t = min(tx, ty)
            return cx + sx * t, cy + sy * t

        x1, y1 = clip(ax, ay, ux, uy)
        x2, y2 = clip(bx, by, -ux, -uy)
        x1, y1, x2, y2 = x1 + nx, y1 + ny, x2 + nx, y2 + ny
        # the label sits beside its own arrow: to the side of a vertical one, above or below the others
        side_x, side_y = -uy, ux
        if abs(side_x) > abs(side_y):
            anchor, lx, ly = ("start" if side_x > 0 else "end"), (x1 + x2) / 2 + side_x * 8, (y1 + y2) / 2 + 4
        else:
            anchor, lx, ly = "middle", (x1 + x2) / 2, (y1 + y2) / 2 + (-6 if side_y > 0 else 16)
        edges.append(
            Edge(
                name=name,
                label=str(TRANSITION_LABELS[name]),
                path=f"M{x1:.0f},{y1:.0f} L{x2:.0f},{y2:.0f}",
                label_x=lx,
                label_y=ly,
                anchor=anchor,
            )
        )
    width = 40 + (per_row - 1) * COL_W + NODE_W
    height = max(node.y for node in nodes.values()) + NODE_H + 20
    return {
        "nodes": list(nodes.values()),
        "edges": edges,
        "width": width,
        "height": height,
        "node_w": NODE_W,
        "node_h": NODE_H,
        "transitions": moves,
    }
