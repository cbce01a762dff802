"""Reading call-record files (the format of data/callcenter/, the Technion "Anonymous Bank" records) into
interval figures. Definitions from that README: a call counts in the interval of ``vru_exit`` (when it asked
for an agent); **offered** = answered by an agent (AGENT) or queued and hung up (HANG with a queue start);
PHANTOM calls are ignored; HANG that never queued hung up in the VRU and was never offered; **answered
within the threshold** = AGENT with ``q_time`` ≤ threshold seconds; ASA = mean ``q_time`` of answered calls.

Every row is either counted, or set aside for a stated reason, or reported as bad with its line number:
nothing vanishes silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

COLUMNS = [
    "vru+line",
    "call_id",
    "customer_id",
    "priority",
    "type",
    "date",
    "vru_entry",
    "vru_exit",
    "vru_time",
    "q_start",
    "q_exit",
    "q_time",
    "outcome",
    "ser_start",
    "ser_exit",
    "ser_time",
    "server",
]
CALL_TYPES = {"PS", "PE", "IN", "NE", "NW", "TT"}
OUTCOMES = {"AGENT", "HANG", "PHANTOM"}
NEVER_QUEUED = "0:00:00"
CENTRE_QUEUE = "centre"


class BadRow(ValueError):
    pass


def _time(value: str, column: str) -> time:
    parts = value.split(":")
    try:
        if len(parts) != 3:
            raise ValueError
        hours, minutes, seconds = (int(part) for part in parts)
        return time(hours, minutes, seconds)
    except ValueError:
        raise BadRow(f"bad time in {column}: {value!r} (H:MM:SS)") from None


def _date(value: str) -> date:
    if len(value) != 6 or not value.isdigit():
        raise BadRow(f"bad date {value!r} (YYMMDD)")
    yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
    # Two-digit years: 70–99 are 19xx, 00–69 are 20xx (the POSIX pivot); the 1999 files sit well inside it.
    year = 1900 + yy if yy >= 70 else 2000 + yy
    try:
        return date(year, mm, dd)
    except ValueError:
        raise BadRow(f"bad date {value!r} (YYMMDD)") from None


def _seconds(value: str, column: str) -> int:
    if not value.isdigit():
        raise BadRow(f"bad {column}: {value!r} (whole seconds)")
    return int(value)


@dataclass
class Bucket:
    offered: int = 0
    answered: int = 0
    answered_within_threshold: int = 0
    abandoned: int = 0
    short_abandons: int = 0
    wait_of_answered: int = 0


@dataclass
class CallFile:
    """The aggregation of one file, and the account of every row."""

    calls: int = 0
    phantom: int = 0
    vru_only: int = 0
    offered: int = 0
    bad_rows: list[tuple[int, str]] = field(default_factory=list)
    buckets: dict[tuple[str, datetime], Bucket] = field(default_factory=dict)
    types: Counter[str] = field(default_factory=Counter)

    def figures(self, *, interval_minutes: int, threshold_seconds: int) -> list[dict]:
        rows = []
        for (queue, start), bucket in sorted(self.buckets.items(), key=lambda item: (item[0][1], item[0][0])):
            rows.append(
                {
                    "queue": queue,
                    "interval_start": start,
                    "interval_minutes": interval_minutes,
                    "offered": bucket.offered,
                    "answered": bucket.answered,
                    "answered_within_threshold": bucket.answered_within_threshold,
                    "abandoned": bucket.abandoned,
                    "short_abandons": bucket.short_abandons,
                    "asa_seconds": round(bucket.wait_of_answered / bucket.answered, 2)
                    if bucket.answered
                    else None,
                    "threshold_seconds": threshold_seconds,
                }
            )
        return rows


def read_call_file(
    lines: Iterator[str],
    *,
    interval_minutes: int = 15,
    threshold_seconds: int = 20,
    short_abandon_seconds: int = 5,
    zone: ZoneInfo,
    queue_by: str = "type",
    on_line: object = None,
) -> CallFile:
    result = CallFile()
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if callable(on_line):
            on_line(number, len(raw))
        if number == 1:
            header = line.split("\t")
            if header != COLUMNS:
                result.bad_rows.append((1, "header is not the expected 17 tab-separated columns"))
            continue
        result.calls += 1
        try:
            _take(result, line, interval_minutes, threshold_seconds, short_abandon_seconds, zone, queue_by)
        except BadRow as exc:
            result.bad_rows.append((number, str(exc)))
    return result


def _take(
    result: CallFile,
    line: str,
    interval_minutes: int,
    threshold_seconds: int,
    short_abandon_seconds: int,
    zone: ZoneInfo,
    queue_by: str,
) -> None:
    if not line.strip():
        raise BadRow("empty line")
    fields = line.split("\t")
    if len(fields) != len(COLUMNS):
        if len(fields) == 1 and len(line.split()) == len(COLUMNS):
            raise BadRow("fields separated by spaces, not tabs")
        raise BadRow(f"expected {len(COLUMNS)} tab-separated fields, found {len(fields)}")
    row = dict(zip(COLUMNS, (f.strip() for f in fields), strict=True))
    call_type, outcome = row["type"], row["outcome"]
    if call_type not in CALL_TYPES:
        raise BadRow(f"unknown call type {call_type!r}")
    if outcome not in OUTCOMES:
        raise BadRow(f"unknown outcome {outcome!r}")
    day = _date(row["date"])
    entry, exit_ = _time(row["vru_entry"], "vru_entry"), _time(row["vru_exit"], "vru_exit")
    queue_start = _time(row["q_start"], "q_start")
    wait = _seconds(row["q_time"], "q_time")
    if outcome == "PHANTOM":
        result.phantom += 1
        return
    queued = row["q_start"] != NEVER_QUEUED or queue_start != time(0)
    if outcome == "HANG" and not queued:
        result.vru_only += 1
        return
    # The date is the call's (VRU entry) date; a call leaving the VRU after midnight belongs to the next day.
    asked_at = datetime.combine(day + timedelta(days=1 if exit_ < entry else 0), exit_)
    start_local = asked_at.replace(minute=asked_at.minute - asked_at.minute % interval_minutes, second=0)
    start = start_local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))
    queue = call_type if queue_by == "type" else CENTRE_QUEUE
    bucket = result.buckets.get((queue, start))
    if bucket is None:
        bucket = result.buckets[(queue, start)] = Bucket()
    result.offered += 1
    result.types[call_type] += 1
    bucket.offered += 1
    if outcome == "AGENT":
        bucket.answered += 1
        bucket.wait_of_answered += wait
        if wait <= threshold_seconds:
            bucket.answered_within_threshold += 1
    else:
        bucket.abandoned += 1
        if wait < short_abandon_seconds:
            bucket.short_abandons += 1
