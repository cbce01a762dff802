"""Benchmarks of DESIGN §8. ``make bench`` (``python -m bench``) runs every ``bench/bench_*.py`` module's
``run()`` and prints one table: each figure beside its goal, and ratios measured side by side in one run.

A module exposes ``run(quick: bool) -> list[Figure]``; ``quick`` shrinks the data for a smoke run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Figure:
    area: str
    name: str
    value: float
    unit: str
    goal: str = ""
    ok: bool | None = None

    def row(self) -> str:
        verdict = {True: "ok", False: "MISSED", None: ""}[self.ok]
        return f"{self.area:<12} {self.name:<58} {self.value:>12.2f} {self.unit:<8} {self.goal:<16} {verdict}"
