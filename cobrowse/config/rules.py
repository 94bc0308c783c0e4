"""The ``[[rules]]`` tables: per-host sanitizing rules, read and validated.

:class:`HostRule` is what the pipeline gets (see
:mod:`cobrowse.pipeline.host_rules` for what each key does); :func:`read_rules`
checks the tables and their ``[[rules.widgets]]``, reporting each problem
with the file line of the key, like the rest of the config.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cobrowse.config.hosts import HostPattern

if TYPE_CHECKING:
    from cobrowse.config import _Reader
    from cobrowse.pipeline.host_rules import WidgetRule

__all__ = ["HostRule", "read_rules"]


@dataclass(frozen=True, slots=True)
class HostRule:
    """Sanitizing rules for pages of one host pattern (``[[rules]]``).

    ``remove``/``unwrap``/``hide``/``mask`` are CSS selectors; ``widgets``
    the ``[[rules.widgets]]`` tables; see :mod:`cobrowse.pipeline.host_rules`
    for what each key does.
    """

    host: HostPattern
    remove: tuple[str, ...] = ()
    unwrap: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    mask: tuple[str, ...] = ()
    allow_attributes: tuple[str, ...] = ()
    forbid_attributes: tuple[str, ...] = ()
    lazy_image_attributes: tuple[str, ...] = ()
    allow_post_forms: bool = False
    widgets: tuple[WidgetRule, ...] = ()


_RULE_LISTS = (
    "remove",
    "unwrap",
    "hide",
    "mask",
    "allow_attributes",
    "forbid_attributes",
    "lazy_image_attributes",
)


def _where_entry(reader: _Reader, table: str, index: int, key: str) -> str:
    """File and line of ``key`` in the ``index``-th ``[[table]]`` (or of its header)."""
    seen, header = -1, 0
    for number, line in enumerate(reader.lines, 1):
        stripped = line.strip()
        if stripped.startswith("["):
            if seen == index:
                break
            if stripped.replace(" ", "").startswith(f"[[{table}]]"):
                seen, header = seen + 1, number
        elif seen == index and re.match(rf"{re.escape(key)}\s*=", stripped):
            return f"{reader.source}:{number}"
    return f"{reader.source}:{header}" if header else reader.source


def read_rules(reader: _Reader, entries: Any) -> tuple[HostRule, ...]:
    """``[[rules]]``: per-host sanitizing rules, selectors and names checked.

    ``entries`` is the parsed ``rules`` value; problems go to
    ``reader.problems`` and the entries with them are left out.
    """
    from cobrowse.pipeline.host_rules import attribute_problem, parse_widget, selector_problem

    if not isinstance(entries, list):
        reader.fail("", "rules", "expected [[rules]] tables")
        return ()
    known = ", ".join(["host", *_RULE_LISTS, "allow_post_forms", "widgets"])
    out = []
    for index, entry in enumerate(entries):

        def fail(key: str, message: str, index: int = index) -> None:
            where = _where_entry(reader, "rules", index, key)
            reader.problems.append(f"{where}: rules[{index}].{key}: {message}")

        values: dict[str, Any] = {}
        for key, value in entry.items():
            if key == "host":
                try:
                    values["host"] = HostPattern.parse(value if isinstance(value, str) else "")
                except ValueError:
                    fail(key, f'expected a host like "*.example.org", got {value!r}')
            elif key == "allow_post_forms":
                if isinstance(value, bool):
                    values[key] = value
                else:
                    fail(key, f"expected true or false, got {value!r}")
            elif key == "widgets":
                tables = value if isinstance(value, list) else [value]
                before = sum(len(e.get("widgets", [])) for e in entries[:index])
                widgets = []
                for number, table in enumerate(tables):
                    widget, problems = parse_widget(table)
                    for wkey, message in problems:
                        where = _where_entry(reader, "rules.widgets", before + number, wkey)
                        dotted = f"rules[{index}].widgets[{number}].{wkey}"
                        reader.problems.append(f"{where}: {dotted}: {message}")
                    if widget is not None:
                        widgets.append(widget)
                values[key] = tuple(widgets)
            elif key in _RULE_LISTS:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    fail(key, f"expected a list of strings, got {value!r}")
                    continue
                selectors = key in ("remove", "unwrap", "hide", "mask")
                items = [v.strip() if selectors else v.strip().lower() for v in value]
                for item in items:
                    problem = (
                        selector_problem(item)
                        if selectors
                        else attribute_problem(item, lenient=key != "allow_attributes")
                    )
                    if problem:
                        fail(key, f"{item!r} is {problem}")
                values[key] = tuple(items)
            else:
                fail(key, f"unknown key (known: {known})")
        if "host" in values:
            out.append(HostRule(**values))
        elif "host" not in entry:
            fail("host", "missing: every [[rules]] table needs a host")
    return tuple(out)
