"""Charts as pictures, drawn on the server as SVG: no JavaScript, nothing from a CDN, prints as it shows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#2f6db3", "#c0504d")
FONT = 'font-family="WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"'


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _label_width(labels: Sequence[str]) -> int:
    """Room for the longest label: a CJK character is about as wide as the 12 px font, Latin half that."""
    widest = max((sum(12 if ord(char) > 0x2E80 else 7 for char in label) for label in labels), default=0)
    return min(340, widest + 12)


def bar_chart(*, title: str, rows: Sequence[tuple[str, float]], unit: str = "") -> SafeString:
    """Horizontal bars, one per row, labelled with the value."""
    label_width, bar_height, gap, top = _label_width([label for label, _ in rows]), 18, 6, 28
    width = label_width + 300
    height = top + len(rows) * (bar_height + gap) + 8
    peak = max((value for _, value in rows), default=0) or 1
    span = width - label_width - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" {FONT} font-size="12">',
        f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for index, (label, value) in enumerate(rows):
        y = top + index * (bar_height + gap)
        length = max(1.0, span * value / peak) if value else 0
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 13}">{_number(value)}{escape(unit)}</text>'
        )
    if not rows:
        parts.append(f'<text x="0" y="{top + 12}" fill="#777">—</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def column_chart(*, title: str, rows: Sequence[tuple[str, float]], width: int = 720) -> SafeString:
    """Vertical columns over time (e.g. incidents per month)."""
    height, top, bottom, left = 220, 28, 36, 36
    plot_height = height - top - bottom
    peak = max((value for _, value in rows), default=0) or 1
    step = (width - left - 8) / max(len(rows), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" {FONT} font-size="11">',
        f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - 4}" y2="{top + plot_height}" '
        'stroke="#999"/>',
    ]
    for index, (label, value) in enumerate(rows):
        bar = plot_height * value / peak
        x = left + index * step + step * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_height - bar:.1f}" width="{step * 0.7:.1f}" '
            f'height="{bar:.1f}" fill="{PALETTE[0]}"/>'
            f'<text x="{x + step * 0.35:.1f}" y="{top + plot_height - bar - 3:.1f}" '
            f'text-anchor="middle">{_number(value)}</text>'
            f'<text x="{x + step * 0.35:.1f}" y="{height - bottom + 14}" text-anchor="middle" '
            f'font-size="10">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def paired_bar_chart(
    *, title: str, rows: Sequence[tuple[str, float | None, float | None]], legend: tuple[str, str], unit: str
) -> SafeString:
    """Two bars per row (median and worst), on one scale."""
    label_width, bar_height, top = _label_width([label for label, _, _ in rows]), 12, 44
    width = label_width + 420
    row_height = bar_height * 2 + 10
    height = top + len(rows) * row_height + 6
    peak = max((value or 0 for _, a, b in rows for value in (a, b)), default=0) or 1
    span = width - label_width - 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" {FONT} font-size="12">',
        f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for index, name in enumerate(legend):
        x = label_width + index * 120
        parts.append(
            f'<rect x="{x}" y="24" width="10" height="10" fill="{PALETTE[index]}"/>'
            f'<text x="{x + 14}" y="33">{escape(name)}</text>'
        )
    for index, (label, first, second) in enumerate(rows):
        y = top + index * row_height
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height + 4}" text-anchor="end">{escape(label)}</text>'
        )
        for offset, value in enumerate((first, second)):
            bar_y = y + offset * bar_height
            if value is None:
                parts.append(f'<text x="{label_width + 2}" y="{bar_y + 10}" fill="#777">—</text>')
                continue
            length = max(1.0, span * value / peak)
            parts.append(
                f'<rect x="{label_width}" y="{bar_y}" width="{length:.1f}" height="{bar_height - 1}" '
                f'fill="{PALETTE[offset]}"/>'
                f'<text x="{label_width + length + 4:.1f}" y="{bar_y + 10}" font-size="10">'
                f"{_number(value)} {escape(unit)}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def _local_label(value: str | None) -> str:
    """An interval's UTC ISO time as the display zone's ``MM-DD HH:MM``."""
    if not value:
        return ""
    try:
        return timezone.localtime(datetime.fromisoformat(value)).strftime("%m-%d %H:%M")
    except ValueError:
        return value


def rate_chart(
    *, title: str, series: Sequence[dict], legend: tuple[str, str], target: float | None = 80.0
) -> SafeString:
    """Answer rate and service level (percent) per interval, as two lines over 0–100 %, with the target."""
    width, height, left, top, bottom = 680, 200, 34, 30, 30
    plot_width, plot_height = width - left - 10, height - top - bottom
    count = max(len(series) - 1, 1)

    def x(index: int) -> float:
        return left + plot_width * index / count

    def y(percent: float) -> float:
        return top + plot_height * (1 - max(0.0, min(percent, 100.0)) / 100)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" {FONT} font-size="10">',
        f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    for percent in (0, 50, 100):
        parts.append(
            f'<line x1="{left}" y1="{y(percent):.1f}" x2="{width - 10}" y2="{y(percent):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y(percent) + 3:.1f}" text-anchor="end">{percent}%</text>'
        )
    if target is not None:
        parts.append(
            f'<line x1="{left}" y1="{y(target):.1f}" x2="{width - 10}" y2="{y(target):.1f}" '
            'stroke="#999" stroke-dasharray="4 3"/>'
        )
    for offset, key in enumerate(("answer_rate", "service_level")):
        points = " ".join(
            f"{x(index):.1f},{y(float(row[key])):.1f}"
            for index, row in enumerate(series)
            if row.get(key) is not None
        )
        if points:
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{PALETTE[offset]}" stroke-width="1.5"/>'
            )
        legend_x = width - 230 + offset * 110
        parts.append(
            f'<rect x="{legend_x}" y="8" width="10" height="3" fill="{PALETTE[offset]}"/>'
            f'<text x="{legend_x + 14}" y="12">{escape(legend[offset])}</text>'
        )
    if series:
        for index in (0, len(series) - 1):
            label = _local_label(series[index].get("at"))
            anchor = "start" if index == 0 else "end"
            parts.append(
                f'<text x="{x(index):.1f}" y="{top + plot_height + 12}" text-anchor="{anchor}">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped
