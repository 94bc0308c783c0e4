"""What a benchmark hands back: figures (the JSON keys), tables, target checks."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Check", "Outcome", "Table", "check"]


@dataclass
class Table:
    """A table for docs/benchmarks.md and the terminal."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [
            f"**{self.title}**" if self.title else "",
            "",
            "| " + " | ".join(self.columns) + " |",
            "|" + "---|" * len(self.columns),
        ]
        lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in self.rows]
        return "\n".join(lines).lstrip("\n")


@dataclass
class Check:
    """One target from the issue: what it says and whether this run met it
    (None: could not be measured)."""

    target: str
    met: bool | None

    @property
    def verdict(self) -> str:
        return {True: "met", False: "not met", None: "not measured"}[self.met]


@dataclass
class Outcome:
    """The result of one benchmark run."""

    name: str
    figures: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    available: bool = True
    seconds: float = 0.0
    load: str = ""  # the machine's load average (1, 5, 15 min) before → after
    command: str = ""  # how it was run
    when: str = ""  # when it ran (UTC)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN becomes None), for docs/benchmarks.json."""
        return _plain(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        return cls(
            **{
                **data,
                "tables": [Table(**t) for t in data.get("tables", [])],
                "checks": [Check(**c) for c in data.get("checks", [])],
            }
        )


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def check(target: str, value: float, limit: float) -> Check:
    """``value ≤ limit`` as a :class:`Check`; NaN counts as not measured."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Check(target, None)
    return Check(target, value <= limit)
