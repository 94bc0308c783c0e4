"""The relay's copy of a page, changed the way the page's own script would.

No page script runs anywhere (DESIGN principle 5), so the relay emulates the
common disclosure widgets and form state on its copy of the page tree and
reports each change as attribute/text edits, which :mod:`cobrowse.session.publish`
broadcasts as one ``MUTATIONS`` batch. Because the change lives in the tree,
late joiners and resyncs get it too, and the next same-site diff starts from
what everyone sees.

Emulated widgets: ``<details>`` (also exclusive ``name`` groups), tabs
(``role="tab"`` + ``aria-controls``), disclosure buttons (``aria-expanded`` +
``aria-controls`` toggling ``hidden`` on the target) and Bootstrap-style
collapse triggers (``data-bs-toggle="collapse"``, class ``show``), and the
operator's per-host widget rules (``[[rules.widgets]]``): the pipeline marks
their triggers and whole-page targets (:mod:`cobrowse.pipeline.site_rules`),
the toggle here resolves ``self``/``parent``/``next`` targets in the node tree.
"""

from __future__ import annotations

import json
from typing import Any, Final

from cobrowse.pipeline.diff import TreeIndex
from cobrowse.pipeline.page import Node
from cobrowse.pipeline.site_rules import (
    RELATIVE_TARGETS,
    TOGGLE_ATTRIBUTES,
    WIDGET_ATTR,
    WIDGET_TARGET_ATTR,
    class_problem,
)

__all__ = ["MAX_VALUE_CHARS", "TEXT_INPUT_TYPES", "PageEdit", "input_type"]

# Input types whose value is typed text (what the advisor types shows for everyone).
TEXT_INPUT_TYPES: Final = frozenset(
    "text search email tel url number date time datetime-local month week color range".split()
)
MAX_VALUE_CHARS: Final = 4000
_COLLAPSE_TOGGLES: Final = ("data-bs-toggle", "data-toggle")
_COLLAPSE_TARGETS: Final = ("data-bs-target", "data-target", "href")
# Toggled attributes whose presence (or "true") means closed, not open.
_CLOSING_ATTRIBUTES: Final = frozenset({"hidden", "aria-hidden"})

_MAX_RULE_TARGETS: Final = 200

Changes = dict[int, dict[str, str | None]]


def _widget_mark(value: object) -> dict[str, Any] | None:
    """The rule in a trigger's mark (site_rules.WidgetRule.mark), checked again:
    only a class name and a safe boolean attribute can ever be toggled."""
    try:
        rule = json.loads(str(value))
    except ValueError:
        return None
    if not isinstance(rule, dict):
        return None
    number, target = rule.get("rule"), rule.get("target")
    names = [rule.get(k) for k in ("class", "attribute", "trigger_class")]
    if not (isinstance(number, int) and target in ("", *RELATIVE_TARGETS)):
        return None
    if not all(isinstance(n, str) for n in names) or not isinstance(rule.get("group"), bool):
        return None
    toggle_class, attribute, trigger_class = names
    for name in (toggle_class, trigger_class):
        if name and class_problem(str(name)):
            return None
    if attribute and attribute not in TOGGLE_ATTRIBUTES:
        return None
    return rule


def _is_open(target: Node, rule: dict[str, Any]) -> bool:
    if rule["class"]:
        return bool(rule["class"] in str(target[2].get("class", "")).split())
    name = rule["attribute"]
    value = target[2].get(name)
    present = value is not None and (not name.startswith("aria-") or value == "true")
    return present != (name in _CLOSING_ATTRIBUTES)


def _set_class(edit: PageEdit, node: Node, name: str, on: bool) -> None:
    classes = str(node[2].get("class", "")).split()
    if (name in classes) == on:
        return
    classes = [*classes, name] if on else [c for c in classes if c != name]
    edit.set(node, "class", " ".join(classes) if classes else None)


def input_type(node: Node) -> str:
    """The lower-case ``type`` of an ``input`` element ("text" when missing)."""
    return str(node[2].get("type", "")).strip().lower() or "text"


class PageEdit:
    """One batch of edits to the tree behind ``index``; collect, then read the batch.

    ``hidden_switch`` remembers per ``aria-controls`` target whether its
    ``hidden`` attribute is what opens and closes it (accordions) or its CSS
    reacts to ``aria-expanded`` instead (burger menus); it lives as long as
    the page.
    """

    def __init__(self, index: TreeIndex, hidden_switch: dict[int, bool]) -> None:
        self.index = index
        self.hidden_switch = hidden_switch
        self.attributes: Changes = {}
        self.texts: list[list[Any]] = []
        self.adds: list[list[Any]] = []

    def batch(self, page: int) -> dict[str, Any] | None:
        """The ``MUTATIONS`` body for what was changed, or None if nothing was."""
        if not (self.attributes or self.texts or self.adds):
            return None
        body: dict[str, Any] = {"page": page}
        if self.attributes:
            body["attributes"] = [[k, v] for k, v in self.attributes.items()]
        if self.texts:
            body["texts"] = self.texts
        if self.adds:
            body["adds"] = self.adds
        return body

    def set(self, node: Node, name: str, value: str | None) -> None:
        """Set (or with None remove) one attribute, recording it if it changed."""
        attrs = node[2]
        if attrs.get(name) == value:
            return
        if value is None:
            del attrs[name]
        else:
            attrs[name] = value
        self.attributes.setdefault(node[0], {})[name] = value

    # --- widgets ------------------------------------------------------------

    def toggle(self, node: Node) -> bool:
        """Activate the widget ``node`` (summary, details, tab, disclosure or
        collapse trigger, or a trigger of an operator's widget rule); False if it
        is none of them."""
        tag, attrs = node[1], node[2]
        if WIDGET_ATTR in attrs:
            return self.rule_widget(node)
        if tag == "summary":
            parent = self.index.element(self.index.parents.get(node[0], -1))
            if parent is None or parent[1] != "details":
                return False
            node, tag = parent, "details"
        if tag == "details":
            self.toggle_details(node)
            return True
        controls = str(attrs.get("aria-controls", "")).split()
        if attrs.get("role") == "tab" and controls:
            self.select_tab(node)
            return True
        if "aria-expanded" in attrs and controls:
            self.disclose(node, controls)
            return True
        if any(attrs.get(name) == "collapse" for name in _COLLAPSE_TOGGLES):
            return self.collapse(node)
        return False

    def toggle_details(self, details: Node) -> None:
        opening = "open" not in details[2]
        self.set(details, "open", "" if opening else None)
        group = details[2].get("name")
        if opening and group:  # exclusive accordion: the others of the group close
            for other in self.index.nodes.values():
                if other is not details and len(other) == 4 and other[1] == "details":
                    if other[2].get("name") == group:
                        self.set(other, "open", None)

    def select_tab(self, tab: Node) -> None:
        tablist = next(
            (a for a in self.index.ancestors(tab[0]) if a[2].get("role") == "tablist"), None
        )
        scope = tablist or self.index.element(self.index.parents.get(tab[0], -1)) or tab
        tabs = [d for d in self.index.descendants(scope) if d[2].get("role") == "tab"] or [tab]
        roving = any("tabindex" in t[2] for t in tabs)
        for other in tabs:
            selected = other is tab
            self.set(other, "aria-selected", "true" if selected else "false")
            if roving:
                self.set(other, "tabindex", None if selected else "-1")
            for panel_id in str(other[2].get("aria-controls", "")).split()[:1]:
                panel = self.index.by_dom_id(panel_id)
                if panel is not None:
                    self.set(panel, "hidden", None if selected else "")

    def disclose(self, button: Node, controls: list[str]) -> None:
        expanded = button[2].get("aria-expanded") == "true"
        self.set(button, "aria-expanded", "false" if expanded else "true")
        for target_id in controls[:8]:
            target = self.index.by_dom_id(target_id)
            if target is None:
                continue
            # Collapsed and hidden, or expanded and shown: `hidden` is the switch.
            switch = self.hidden_switch.setdefault(target[0], ("hidden" in target[2]) != expanded)
            if switch:
                self.set(target, "hidden", "" if expanded else None)

    def collapse(self, trigger: Node) -> bool:
        targets = (str(trigger[2].get(name, "")) for name in _COLLAPSE_TARGETS)
        selector = next((t for t in targets if t.startswith("#")), None)
        target = self.index.by_dom_id(selector[1:]) if selector else None
        if target is None:
            return False
        classes = str(target[2].get("class", "")).split()
        opening = "show" not in classes
        classes = [*classes, "show"] if opening else [c for c in classes if c != "show"]
        self.set(target, "class", " ".join(classes) if classes else None)
        if "aria-expanded" in trigger[2]:
            self.set(trigger, "aria-expanded", "true" if opening else "false")
        return True

    def rule_widget(self, trigger: Node) -> bool:
        """Toggle what an operator's widget rule names; False if the mark is unusable.

        The first toggled thing (the class, else the attribute) on the first
        target says whether this opens or closes; everything else follows.
        """
        rule = _widget_mark(trigger[2].get(WIDGET_ATTR))
        if rule is None:
            return False
        targets = self._rule_targets(trigger, rule)
        if not targets:
            return False
        opening = not _is_open(targets[0], rule)
        if opening and rule["group"]:  # the others of the rule close
            opened = {id(t) for t in targets}
            for other in self._rule_triggers(rule["rule"]):
                if other is not trigger:
                    rest = [t for t in self._rule_targets(other, rule) if id(t) not in opened]
                    self._switch(other, rest, rule, False)
        self._switch(trigger, targets, rule, opening)
        return True

    def _switch(
        self, trigger: Node, targets: list[Node], rule: dict[str, Any], opening: bool
    ) -> None:
        for target in targets:
            if rule["class"]:
                _set_class(self, target, rule["class"], opening)
            name = rule["attribute"]
            if name:
                shown = opening != (name in _CLOSING_ATTRIBUTES)
                if name.startswith("aria-"):
                    self.set(target, name, "true" if shown else "false")
                else:
                    self.set(target, name, "" if shown else None)
        if rule["trigger_class"]:
            _set_class(self, trigger, rule["trigger_class"], opening)
        if "aria-expanded" in trigger[2]:
            self.set(trigger, "aria-expanded", "true" if opening else "false")

    def _rule_targets(self, trigger: Node, rule: dict[str, Any]) -> list[Node]:
        where = rule["target"]
        if where == "self":
            return [trigger]
        parent = self.index.element(self.index.parents.get(trigger[0], -1))
        if where == "parent":
            return [parent] if parent is not None else []
        if where == "next":
            siblings = parent[3] if parent is not None else []
            at = next((i for i, n in enumerate(siblings) if n is trigger), len(siblings))
            return next(([n] for n in siblings[at + 1 :] if len(n) == 4), [])
        token = str(rule["rule"])
        return [
            n
            for n in self.index.nodes.values()
            if len(n) == 4 and token in str(n[2].get(WIDGET_TARGET_ATTR, "")).split()
        ][:_MAX_RULE_TARGETS]

    def _rule_triggers(self, number: int) -> list[Node]:
        found = []
        for node in self.index.nodes.values():
            if len(node) == 4 and WIDGET_ATTR in node[2]:
                other = _widget_mark(node[2][WIDGET_ATTR])
                if other is not None and other["rule"] == number:
                    found.append(node)
        return found

    # --- form values ---------------------------------------------------------

    def set_checked(self, box: Node, checked: bool) -> None:
        """Check or uncheck a checkbox/radio; a checked radio unchecks its group."""
        self.set(box, "checked", "" if checked else None)
        name = box[2].get("name")
        if not (checked and name and input_type(box) == "radio"):
            return
        form = next((a for a in self.index.ancestors(box[0]) if a[1] == "form"), None)
        scope = form or self.index.nodes[min(self.index.nodes)]
        for other in self.index.descendants(scope):
            if other is not box and other[1] == "input" and other[2].get("name") == name:
                if input_type(other) == "radio":
                    self.set(other, "checked", None)

    def set_text(self, textarea: Node, value: str) -> None:
        """A textarea's value is its text content."""
        children = textarea[3]
        if children and len(children[0]) == 2:
            if children[0][1] != value:
                children[0][1] = value
                self.texts.append([children[0][0], value])
            return
        if not value:
            return
        text = [self.index.max_id + 1, value]
        children.insert(0, text)
        self.index.add(text, textarea)
        self.adds.append([textarea[0], children[1][0] if len(children) > 1 else None, text])

    def select_options(self, select: Node, chosen: list[int]) -> None:
        """Select the options at the ``chosen`` positions (one unless ``multiple``)."""
        options = [d for d in self.index.descendants(select) if d[1] == "option"]
        wanted = set(chosen if "multiple" in select[2] else chosen[:1])
        for position, option in enumerate(options):
            self.set(option, "selected", "" if position in wanted else None)
