"""One widget rule (a ``[[rules.widgets]]`` table or a built-in preset): schema and checks.

A :class:`WidgetRule` says what the advisor clicks (``trigger``, a CSS
selector) and what the relay then changes for everyone, because the page's
own script, which would have done it, never runs (DESIGN principle 5).
``behaviour`` picks how:

* ``toggle`` (the default): the class ``toggle_class`` and/or the boolean
  ``toggle_attribute`` on the ``target`` element(s), ``trigger_class`` on
  the trigger; ``group``: opening one closes the others of the rule.
* ``disclosure``: the ARIA disclosure/accordion/menu-button pattern
  (``aria-expanded`` on the trigger; ``hidden`` on the named target when
  that is what hides it while closed, and ``toggle_class`` if set).
* ``tabs``: the ARIA tabs pattern (``role=tab``, ``aria-selected``, panels'
  ``hidden``).
* ``collapse``, ``bootstrap-tab``, ``dropdown``, ``dismiss``: what
  Bootstrap 3/4/5's plugins do (classes ``show``/``in``/``active``/``open``,
  ``collapsed`` on the trigger, ``data-bs-parent`` accordions, closing a
  modal or alert).

Every behaviour but ``toggle`` acts on the element(s) the trigger names
(``target = "named"``: ``data-bs-target``, ``data-target``, ``href="#id"``
or ``aria-controls``) or, for ``dismiss``, on its enclosing dialog. The
built-in presets (:mod:`cobrowse.pipeline.widget_presets`) are rules of this
very form, so an operator can read, disable and override them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

from cobrowse.pipeline.selectors import selector_problem

__all__ = [
    "BEHAVIOURS",
    "RELATIVE_TARGETS",
    "TOGGLE_ATTRIBUTES",
    "WIDGET_ATTR",
    "WIDGET_KEYS",
    "WIDGET_TARGET_ATTR",
    "WidgetRule",
    "class_problem",
    "parse_widget",
]

# Relay-owned widget marks: on a trigger, its rule as JSON (WidgetRule.mark);
# on a target named by a whole-page selector, the indexes of its rules.
WIDGET_ATTR: Final = "data-cb-widget"
WIDGET_TARGET_ATTR: Final = "data-cb-widget-target"
# Targets found from the trigger when it is clicked, not by a selector.
RELATIVE_TARGETS: Final = ("self", "parent", "next", "named")
# Boolean attributes a widget rule may toggle: none can load or run anything.
TOGGLE_ATTRIBUTES: Final = frozenset(
    {"hidden", "open", "aria-expanded", "aria-hidden", "aria-selected"}
)
BEHAVIOURS: Final = (
    "toggle",
    "disclosure",
    "tabs",
    "collapse",
    "bootstrap-tab",
    "dropdown",
    "dismiss",
)
WIDGET_KEYS: Final = (
    "trigger",
    "target",
    "toggle_class",
    "toggle_attribute",
    "trigger_class",
    "group",
    "behaviour",
)
_CLASS_TOKEN: Final = re.compile(r"-?[A-Za-z_][A-Za-z0-9_-]{0,63}\Z")


def class_problem(name: str) -> str | None:
    """Why ``name`` is not a class a widget rule may toggle (English), or None."""
    if not _CLASS_TOKEN.match(name):
        return "not a single class name (letters, digits, - and _, at most 64)"
    if name.startswith("cb-"):
        return "a class name reserved for the relay (cb-…)"
    return None


@dataclass(frozen=True, slots=True)
class WidgetRule:
    """One ``[[rules.widgets]]`` entry: clicking ``trigger`` changes ``target``.

    ``target`` is a whole-page CSS selector or one of :data:`RELATIVE_TARGETS`
    (``next``: the trigger's next element sibling; ``named``: what the
    trigger names by id). The module docstring says what each ``behaviour``
    does; ``toggle_attribute``, ``trigger_class`` and ``group`` are read by
    ``toggle`` only, ``toggle_class`` by ``toggle`` and ``disclosure``.
    """

    trigger: str
    target: str = "named"
    toggle_class: str = ""
    toggle_attribute: str = ""
    trigger_class: str = ""
    group: bool = False
    behaviour: str = "toggle"

    @property
    def relative(self) -> bool:
        return self.target in RELATIVE_TARGETS

    def mark(self, index: int) -> str:
        """The trigger's :data:`WIDGET_ATTR` value: what :mod:`cobrowse.session.edits` needs."""
        spec: dict[str, Any] = {"rule": index, "target": self.target if self.relative else ""}
        spec |= {"class": self.toggle_class, "attribute": self.toggle_attribute}
        spec |= {"trigger_class": self.trigger_class, "group": self.group}
        spec |= {"behaviour": self.behaviour}
        return json.dumps(spec, separators=(",", ":"))

    def as_toml(self) -> str:
        """The rule as a ``[[rules.widgets]]`` table (only keys that differ from the defaults)."""
        lines = ["[[rules.widgets]]", f"trigger = {json.dumps(self.trigger)}"]
        if self.behaviour != "toggle":
            lines.append(f"behaviour = {json.dumps(self.behaviour)}")
        if self.target != "named" or self.behaviour == "toggle":
            lines.append(f"target = {json.dumps(self.target)}")
        for key in ("toggle_class", "toggle_attribute", "trigger_class"):
            value = getattr(self, key)
            if value:
                lines.append(f"{key} = {json.dumps(value)}")
        if self.group:
            lines.append("group = true")
        return "\n".join(lines)


def parse_widget(entry: object) -> tuple[WidgetRule | None, list[tuple[str, str]]]:
    """Check one ``[[rules.widgets]]`` table: the rule, or None and the problems
    as (key, English message) pairs for the config error."""
    if not isinstance(entry, dict):
        return None, [("widgets", "expected [[rules.widgets]] tables")]
    problems: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    for key, value in entry.items():
        if key not in WIDGET_KEYS:
            problems.append((key, f"unknown key (known: {', '.join(WIDGET_KEYS)})"))
        elif key == "group":
            if isinstance(value, bool):
                values[key] = value
            else:
                problems.append((key, f"expected true or false, got {value!r}"))
        elif not isinstance(value, str):
            problems.append((key, f"expected a string, got {value!r}"))
        else:
            value = value.strip()
            problem = _widget_value_problem(key, value)
            if problem:
                problems.append((key, f"{value!r} is {problem}"))
            values[key] = value
    behaviour = values.get("behaviour", "toggle")
    if "trigger" not in entry:
        problems.append(("trigger", "missing: every [[rules.widgets]] table needs one"))
    if behaviour == "toggle":
        if "target" not in entry:
            problems.append(("target", "missing: every [[rules.widgets]] table needs one"))
        if not (entry.get("toggle_class") or entry.get("toggle_attribute")):
            problems.append(("toggle_class", "missing: set toggle_class, toggle_attribute or both"))
    elif values.get("target", "named") != "named":
        problems.append(("target", f'behaviour {behaviour!r} acts on its "named" target only'))
    return (None, problems) if problems else (WidgetRule(**values), [])


def _widget_value_problem(key: str, value: str) -> str | None:
    if not value and key in ("toggle_class", "toggle_attribute", "trigger_class"):
        return None  # "" = not used
    if key == "trigger":
        return selector_problem(value)
    if key == "target":
        return None if value in RELATIVE_TARGETS else selector_problem(value)
    if key == "behaviour":
        return None if value in BEHAVIOURS else f"not a behaviour ({', '.join(BEHAVIOURS)})"
    if key == "toggle_attribute":
        known = ", ".join(sorted(TOGGLE_ATTRIBUTES))
        return None if value in TOGGLE_ATTRIBUTES else f"not an attribute widgets toggle ({known})"
    return class_problem(value)
