"""The ``[[rules]]`` tables: read from the TOML into the pipeline's schema.

What a rule is and how its keys are checked is
:mod:`cobrowse.pipeline.site_rules` (:func:`~cobrowse.pipeline.site_rules.parse_host_rule`);
this module only adds where each problem is in the file, like the rest of
the config.
"""

from __future__ import annotations

import re
from typing import Any

from cobrowse.pipeline.site_rules import HostRule, parse_host_rule

__all__ = ["read_rules"]


def _where_entry(lines: list[str], source: str, table: str, index: int, key: str) -> str:
    """File and line of ``key`` in the ``index``-th ``[[table]]`` (or of its header)."""
    seen, header = -1, 0
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("["):
            if seen == index:
                break
            if stripped.replace(" ", "").startswith(f"[[{table}]]"):
                seen, header = seen + 1, number
        elif seen == index and re.match(rf"{re.escape(key)}\s*=", stripped):
            return f"{source}:{number}"
    return f"{source}:{header}" if header else source


def _where_key(lines: list[str], source: str, key: str) -> str:
    """File and line of the first ``key = …`` (``source`` alone if there is none)."""
    for number, line in enumerate(lines, 1):
        if re.match(rf"{re.escape(key)}\s*=", line.strip()):
            return f"{source}:{number}"
    return source


def _widget_count(entry: object) -> int:
    widgets = entry.get("widgets", []) if isinstance(entry, dict) else []
    return len(widgets) if isinstance(widgets, (list, dict)) else 0


def read_rules(
    entries: list[Any], lines: list[str], source: str
) -> tuple[tuple[HostRule, ...], list[str]]:
    """``[[rules]]``: the checked rules, and one message per problem.

    ``entries`` is the parsed ``rules`` list, ``lines`` the file's text and
    ``source`` its name (for ``file:line`` in the messages); an entry with a
    problem in its host is left out, a bad key only from its rule.
    """
    out = []
    messages: list[str] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):  # rules = [1]: not a table at all
            where = _where_key(lines, source, "rules")
            messages.append(f"{where}: rules[{index}]: expected a [[rules]] table, got {entry!r}")
            continue
        rule, problems = parse_host_rule(entry)
        # Widgets are found in the file as the n-th [[rules.widgets]] table overall.
        before = sum(_widget_count(e) for e in entries[:index])
        for problem in problems:
            if problem.widget is None:
                where = _where_entry(lines, source, "rules", index, problem.key)
                dotted = f"rules[{index}].{problem.key}"
            else:
                table = before + problem.widget
                where = _where_entry(lines, source, "rules.widgets", table, problem.key)
                dotted = f"rules[{index}].widgets[{problem.widget}].{problem.key}"
            messages.append(f"{where}: {dotted}: {problem.message}")
        if rule is not None:
            out.append(rule)
    return tuple(out), messages
