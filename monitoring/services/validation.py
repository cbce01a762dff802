"""Validating what an integrator sends, in plain Python (thousands of figures a second), and the derived
rates by the figure's own formulas."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import Forbidden
from incidents import policies as incident_policies
from incidents.times import plausible_time_error
from teams import selectors as team_selectors

from ..models import (
    Formula,
)
from ..models.figure import ABANDONMENT_FORMULAS, ANSWER_RATE_FORMULAS, SERVICE_LEVEL_FORMULAS

INTERVAL_LENGTHS = (15, 30)
MAX_COUNT = 10_000_000
MAX_BATCH = 5_000


VALUE_FIELDS = (
    "interval_minutes",
    "offered",
    "answered",
    "answered_within_threshold",
    "abandoned",
    "short_abandons",
    "asa_seconds",
    "threshold_seconds",
    "complaints",
    "answer_rate_formula",
    "service_level_formula",
    "abandonment_formula",
)
DERIVED_FIELDS = ("answer_rate", "service_level", "abandonment_rate")


def require_integrator(user: Any) -> None:
    if user is incident_policies.SYSTEM_USER:
        return
    actor = team_selectors.actor_for(user)
    if actor.is_read_only or not (actor.is_integrator or actor.is_admin):
        raise Forbidden(_("只有系统接入方（集成令牌）可以报送监测数据。"))


def add_error(errors: dict[str, list[dict[str, str]]], key: str, message: str, code: str = "invalid") -> None:
    errors.setdefault(key, []).append({"message": message, "code": code})


def clean_code(value: Any, *, max_length: int = 50) -> str | None:
    """A code an integrator sent (a queue, a system), stripped; None when it is not a string, blank, too long,
    or holds a NUL character (PostgreSQL can neither store nor compare one: it was a 500, found by the
    every-role fuzz run of issue 14)."""
    if not isinstance(value, str):
        return None
    code = value.strip()
    return code if code and len(code) <= max_length and "\x00" not in code else None


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None or plausible_time_error(parsed) is not None:
        return None  # the one time rule (incidents/times.py): 1970–2099, offsets −12:00…+14:00
    return parsed.astimezone(UTC)


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator > 0 else None


def derived_rates(values: dict[str, Any]) -> dict[str, float | None]:
    """The three derived rates by the figure's own formulas (Formula documents each)."""
    offered, short = values["offered"], values["short_abandons"]
    within = values["answered_within_threshold"]
    answer_denominator = (
        offered - short
        if values["answer_rate_formula"] == Formula.ANSWERED_OVER_OFFERED_LESS_SHORT
        else offered
    )
    sl_denominator = {
        Formula.WITHIN_OVER_OFFERED: offered,
        Formula.WITHIN_OVER_ANSWERED: values["answered"],
        Formula.WITHIN_OVER_OFFERED_LESS_SHORT: offered - short,
    }[values["service_level_formula"]]
    if values["abandonment_formula"] == Formula.ABANDONED_OVER_OFFERED:
        abandonment = rate(values["abandoned"], offered)
    else:
        abandonment = rate(values["abandoned"] - short, offered - short)
    return {
        "answer_rate": rate(values["answered"], answer_denominator),
        "service_level": rate(within, sl_denominator),
        "abandonment_rate": abandonment,
    }


def _count(
    raw: dict[str, Any], name: str, errors: dict, prefix: str, *, required: bool, default: int = 0
) -> int:
    value = raw.get(name)
    if value is None:
        if required:
            add_error(errors, prefix + name, _("必填。"), "required")
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        else:
            add_error(errors, prefix + name, _("须为非负整数。"))
            return default
    if value < 0 or value > MAX_COUNT:
        add_error(errors, prefix + name, _("须为 0 到 %(max)s 之间的整数。") % {"max": MAX_COUNT})
        return default
    return value


def figure_values_from(raw: Any, *, prefix: str, errors: dict, now: datetime) -> dict[str, Any] | None:
    """Validate one interval figure as sent by an integrator; errors are keyed ``[i].field``. Plain Python
    (not a DRF serializer), because this runs thousands of times a second."""
    if not isinstance(raw, dict):
        add_error(errors, prefix.rstrip("."), _("每条时段指标须为 JSON 对象。"))
        return None
    before = len(errors)
    queue = clean_code(raw.get("queue"))
    if queue is None:
        add_error(errors, prefix + "queue", _("须为 1 到 50 个字符的队列代码。"), "required")
    start = parse_time(raw.get("interval_start"))
    minutes = raw.get("interval_minutes", 15)
    if minutes not in INTERVAL_LENGTHS or isinstance(minutes, bool):
        add_error(errors, prefix + "interval_minutes", _("时段长度须为 15 或 30 分钟。"))
        minutes = 15
    if start is None:
        add_error(
            errors,
            prefix + "interval_start",
            _("须为带时区偏移的 ISO 8601 时间，如 2026-01-05T09:15:00+08:00。"),
        )
    elif start.second or start.microsecond or start.minute % minutes:
        add_error(errors, prefix + "interval_start", _("时段开始须对齐到 %(m)s 分钟整点。") % {"m": minutes})
    elif start > now + timedelta(seconds=settings.MONITORING_CLOCK_SKEW_SECONDS):
        add_error(errors, prefix + "interval_start", _("时段尚未开始，不能报送未来的数据。"))
    values: dict[str, Any] = {"interval_minutes": minutes}
    for name in ("offered", "answered", "answered_within_threshold", "abandoned"):
        values[name] = _count(raw, name, errors, prefix, required=True)
    values["short_abandons"] = _count(raw, "short_abandons", errors, prefix, required=False)
    values["complaints"] = _count(raw, "complaints", errors, prefix, required=False)
    values["threshold_seconds"] = _count(raw, "threshold_seconds", errors, prefix, required=False, default=20)
    if not 1 <= values["threshold_seconds"] <= 600:
        add_error(errors, prefix + "threshold_seconds", _("服务水平阈值须在 1 到 600 秒之间。"))
    asa = raw.get("asa_seconds")
    if asa is not None and (
        isinstance(asa, bool) or not isinstance(asa, int | float) or not math.isfinite(asa) or asa < 0
    ):
        add_error(errors, prefix + "asa_seconds", _("须为非负数（秒）。"))
        asa = None
    values["asa_seconds"] = float(asa) if asa is not None else None
    for name, allowed, default in (
        ("answer_rate_formula", ANSWER_RATE_FORMULAS, Formula.ANSWERED_OVER_OFFERED),
        ("service_level_formula", SERVICE_LEVEL_FORMULAS, Formula.WITHIN_OVER_OFFERED),
        ("abandonment_formula", ABANDONMENT_FORMULAS, Formula.ABANDONED_OVER_OFFERED),
    ):
        chosen = raw.get(name, default)
        if chosen not in allowed:
            add_error(errors, prefix + name, _("可选值：%(v)s。") % {"v": ", ".join(str(a) for a in allowed)})
            chosen = default
        values[name] = str(chosen)
    if len(errors) > before:
        return None
    if values["answered"] + values["abandoned"] > values["offered"]:
        add_error(errors, prefix + "offered", _("接通量与放弃量之和不能大于呼入量。"))
    if values["answered_within_threshold"] > values["answered"]:
        add_error(errors, prefix + "answered_within_threshold", _("阈值内接通量不能大于接通量。"))
    if values["short_abandons"] > values["abandoned"]:
        add_error(errors, prefix + "short_abandons", _("短时放弃量不能大于放弃量。"))
    if len(errors) > before:
        return None
    values.update(derived_rates(values))
    values["queue"] = queue
    values["interval_start"] = start
    return values
