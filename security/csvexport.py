"""The one CSV writer of every export (ASVS 5.0 1.2.10, CSV injection): streamed row by row, UTF-8 with a
byte-order mark (Excel reads Chinese correctly), times in Asia/Shanghai, and every text cell that a
spreadsheet would read as a formula — one beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return — written with a leading apostrophe, so that it opens as text (OWASP's recommendation). Numbers are
written as they are (a negative number stays a number)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_cell(value: Any) -> Any:
    """What one cell is written as."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(timezone.get_current_timezone()).isoformat()
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_rows(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The lines of one CSV file, the header first; every cell goes through ``csv_cell``."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])
