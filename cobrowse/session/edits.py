"""The relay's copy of a page, changed the way the page's own script would.

No page script runs anywhere (DESIGN principle 5), so the relay emulates the
common disclosure widgets and form state on its copy of the page tree and
reports each change as attribute/text edits, which :mod:`cobrowse.session.publish`
broadcasts as one ``MUTATIONS`` batch. Because the change lives in the tree,
late joiners and resyncs get it too, and the next same-site diff starts from
what everyone sees.

Emulated widgets: ``<details>`` (also exclusive ``name`` groups, native
HTML), and every trigger the pipeline marked with a widget rule: the
operator's ``[[rules.widgets]]`` and the built-in presets
(:mod:`cobrowse.pipeline.widget_presets`: ARIA disclosure, accordion, tabs
and menu buttons, Bootstrap collapse/tab/dropdown/dismiss, burgers). The
pipeline marks their triggers and whole-page targets
(:mod:`cobrowse.pipeline.site_rules`); the toggle here resolves
``self``/``parent``/``next``/``named`` targets in the node tree and runs the
rule's behaviour (:mod:`cobrowse.pipeline.widget_rules` says what each does).
"""

from __future__ import annotations

import json
from typing import Any, Final

from cobrowse.pipeline.diff import TreeIndex
from cobrowse.pipeline.page import Node
from cobrowse.pipeline.widget_rules import (
    BEHAVIOURS,
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
# Where a trigger names its target(s), in order (the "named" target).
_NAMING_ATTRIBUTES: Final = ("data-bs-target", "data-target", "href")
_PARENT_ATTRIBUTES: Final = ("data-bs-parent", "data-parent")
# Classes Bootstrap's scripts set on an open collapse/tab pane/dropdown (3: in/open).
_SHOWN: Final = ("show", "in")
# Toggled attributes whose presence (or "true") means closed, not open.
_CLOSING_ATTRIBUTES: Final = frozenset({"hidden", "aria-hidden"})

_MAX_RULE_TARGETS: Final = 200
# Attributes that hold a form field's state (what a reset button restores).
_FORM_STATE: Final = frozenset({"value", "checked", "selected"})
# Classes of what a close button (preset "dialog-close") closes besides dialogs.
_DISMISSABLE: Final = frozenset({"modal", "alert", "toast", "offcanvas"})
# What groups Bootstrap tabs (the others in it are deselected).
_NAVS: Final = frozenset({"nav", "nav-tabs", "nav-pills", "list-group"})

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
    rule.setdefault("behaviour", "toggle")
    if rule["behaviour"] not in BEHAVIOURS:
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


def _is_nav(node: Node) -> bool:
    return bool(_NAVS & set(_classes(node))) or node[2].get("role") == "tablist"


def _classes(node: Node) -> list[str]:
    return str(node[2].get("class", "")).split()


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

    def __init__(
        self,
        index: TreeIndex,
        hidden_switch: dict[int, bool],
        originals: dict[tuple[int, str], str | None] | None = None,
    ) -> None:
        self.index = index
        self.hidden_switch = hidden_switch
        # (node id, form attribute or "#text") → its value before the advisor
        # changed it, for a reset button; lives as long as the page.
        self.originals = {} if originals is None else originals
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
        if name in _FORM_STATE:
            self.originals.setdefault((node[0], name), attrs.get(name))
        if value is None:
            del attrs[name]
        else:
            attrs[name] = value
        self.attributes.setdefault(node[0], {})[name] = value

    # --- widgets ------------------------------------------------------------

    def toggle(self, node: Node) -> bool:
        """Activate the widget ``node`` (summary, details, or a trigger marked
        with a widget rule or preset); False if it is none of them."""
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
        if tag in ("button", "input") and str(attrs.get("type", "")).lower() == "reset":
            return self.reset_form(node)
        return False

    def reset_form(self, button: Node) -> bool:
        """A reset button: every field of its form gets back the value it had
        when the page came (False outside a form)."""
        form = next((a for a in self.index.ancestors(button[0]) if a[1] == "form"), None)
        if form is None:
            return False
        inside = {id(d) for d in self.index.descendants(form)}
        for (node_id, name), value in list(self.originals.items()):
            node = self.index.element(node_id)
            if node is None or id(node) not in inside:
                continue
            if name == "#text":
                self.set_text(node, value or "")
            else:
                self.set(node, name, value)
        return True

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

    def disclose(self, button: Node, toggle_class: str = "") -> bool:
        """ARIA disclosure: flip ``aria-expanded`` on ``button`` and show or hide
        its named targets (False without one).

        ``hidden`` is switched only on a target whose ``hidden`` matched the
        button's state at the first click (accordions); a burger menu that its
        CSS shows by ``aria-expanded`` (or on wide screens) keeps it as it is.
        ``toggle_class`` (if set) follows the open state on every target.
        """
        targets = self.named(button)
        if not targets:
            return False
        expanded = button[2].get("aria-expanded") == "true"
        self.set(button, "aria-expanded", "false" if expanded else "true")
        for target in targets:
            # Collapsed and hidden, or expanded and shown: `hidden` is the switch.
            switch = self.hidden_switch.setdefault(target[0], ("hidden" in target[2]) != expanded)
            if switch:
                self.set(target, "hidden", "" if expanded else None)
            if toggle_class:
                _set_class(self, target, toggle_class, not expanded)
        return True

    def named(self, trigger: Node) -> list[Node]:
        """The elements ``trigger`` names by id: ``data-bs-target``, ``data-target``,
        ``href="#id"`` (Bulma's ``data-target`` may omit the ``#``), else ``aria-controls``."""
        attrs = trigger[2]
        for name in _NAMING_ATTRIBUTES:
            value = str(attrs.get(name, "")).strip()
            if value.startswith("#") and len(value) > 1:
                value = value[1:]
            elif name == "href" or not value or any(c in value for c in " .#[:>,"):
                continue
            target = self.index.by_dom_id(value)
            if target is not None:
                return [target]
        found = (self.index.by_dom_id(i) for i in str(attrs.get("aria-controls", "")).split()[:8])
        return [t for t in found if t is not None]

    def collapse(self, trigger: Node) -> bool:
        """Bootstrap collapse: class ``show`` (3: ``in``) on the named target,
        ``collapsed`` and ``aria-expanded`` on the trigger; opening one of a
        ``data-bs-parent`` group closes the others."""
        targets = self.named(trigger)
        if not targets:
            return False
        opening = not any(c in _SHOWN for c in _classes(targets[0]))
        group = self._collapse_group(trigger, targets[0]) if opening else ""
        if group:
            opened = {id(t) for t in targets}
            for other in self._triggers("collapse"):
                rest = [t for t in self.named(other) if id(t) not in opened]
                if other is not trigger and rest and self._collapse_group(other, rest[0]) == group:
                    self._collapse_switch(other, rest, False)
        self._collapse_switch(trigger, targets, opening)
        return True

    @staticmethod
    def _collapse_group(trigger: Node, target: Node) -> str:
        """The ``data-bs-parent`` (4/5: on the target, 3: on the trigger) of a collapse."""
        for node in (target, trigger):
            for name in _PARENT_ATTRIBUTES:
                value = str(node[2].get(name, "")).strip()
                if value:
                    return value
        return ""

    def _collapse_switch(self, trigger: Node, targets: list[Node], opening: bool) -> None:
        for target in targets:
            _set_class(self, target, "show", opening)
            _set_class(self, target, "in", opening and "data-toggle" in trigger[2])
        shown = {id(t) for t in targets}
        for other in self._triggers("collapse"):
            if other is trigger or any(id(t) in shown for t in self.named(other)):
                _set_class(self, other, "collapsed", not opening)
                self.set(other, "aria-expanded", "true" if opening else "false")

    def bootstrap_tab(self, tab: Node) -> bool:
        """Bootstrap tab/pill: class ``active`` on the tab (3: on its ``li``) and
        ``active show`` (3: ``active in``) on its pane; the others of its nav lose them."""
        panes = self.named(tab)
        if not panes:
            return False
        nav = next((a for a in self.index.ancestors(tab[0]) if _is_nav(a)), None)
        scope = nav or self.index.element(self.index.parents.get(tab[0], -1)) or tab
        mine = self._rule_number(tab)
        for other in self.index.descendants(scope):
            if WIDGET_ATTR in other[2] and self._rule_number(other) == mine:
                self._tab_switch(other, other is tab)
        return True

    def _tab_switch(self, tab: Node, on: bool) -> None:
        _set_class(self, tab, "active", on)
        if "aria-selected" in tab[2] or tab[2].get("role") == "tab":
            self.set(tab, "aria-selected", "true" if on else "false")
            self.set(tab, "tabindex", None if on else "-1")  # roving focus
        parent = self.index.element(self.index.parents.get(tab[0], -1))
        if parent is not None and parent[1] == "li":
            _set_class(self, parent, "active", on)
        for pane in self.named(tab):
            _set_class(self, pane, "active", on)
            _set_class(self, pane, "show", on)
            _set_class(self, pane, "in", on and "data-toggle" in tab[2])

    def dropdown(self, trigger: Node) -> bool:
        """Bootstrap dropdown: class ``show`` on the menu (the trigger's sibling
        ``.dropdown-menu``) and on the trigger's parent, 3's ``open`` on the parent."""
        parent = self.index.element(self.index.parents.get(trigger[0], -1))
        if parent is None:
            return False
        menus = [d for d in self.index.descendants(parent) if "dropdown-menu" in _classes(d)]
        opening = not ("open" in _classes(parent) or any("show" in _classes(m) for m in menus[:1]))
        for menu in menus[:1]:
            _set_class(self, menu, "show", opening)
        _set_class(self, parent, "show", opening)
        _set_class(self, parent, "open", opening and "data-toggle" in trigger[2])
        self.set(trigger, "aria-expanded", "true" if opening else "false")
        return True

    def dismiss(self, button: Node) -> bool:
        """A close button: its enclosing ``<dialog>`` loses ``open``; a modal,
        alert, toast, offcanvas or ARIA dialog gets ``hidden`` (and loses ``show``)."""
        for ancestor in self.index.ancestors(button[0]):
            if ancestor[1] == "dialog":
                self.set(ancestor, "open", None)
                return True
            classes = set(_classes(ancestor))
            if ancestor[2].get("role") in ("dialog", "alertdialog") or classes & _DISMISSABLE:
                _set_class(self, ancestor, "show", False)
                self.set(ancestor, "hidden", "")
                return True
        return False

    def _triggers(self, behaviour: str) -> list[Node]:
        """Every trigger on the page marked with a rule of ``behaviour``."""
        found = []
        for node in self.index.nodes.values():
            if len(node) == 4 and WIDGET_ATTR in node[2]:
                rule = _widget_mark(node[2][WIDGET_ATTR])
                if rule is not None and rule["behaviour"] == behaviour:
                    found.append(node)
        return found

    def _rule_number(self, trigger: Node) -> int | None:
        rule = _widget_mark(trigger[2].get(WIDGET_ATTR))
        return None if rule is None else int(rule["rule"])

    def rule_widget(self, trigger: Node) -> bool:
        """Run the behaviour of the rule ``trigger`` is marked with; False if the
        mark is unusable or the rule finds nothing to change.

        ``toggle``: the first toggled thing (the class, else the attribute) on
        the first target says whether this opens or closes; everything else follows.
        """
        rule = _widget_mark(trigger[2].get(WIDGET_ATTR))
        if rule is None:
            return False
        behaviour = rule["behaviour"]
        if behaviour == "disclosure":
            return self.disclose(trigger, str(rule["class"]))
        if behaviour == "tabs":
            self.select_tab(trigger)
            return True
        if behaviour == "collapse":
            return self.collapse(trigger)
        if behaviour == "bootstrap-tab":
            return self.bootstrap_tab(trigger)
        if behaviour == "dropdown":
            return self.dropdown(trigger)
        if behaviour == "dismiss":
            return self.dismiss(trigger)
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
        if where == "named":
            return self.named(trigger)
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
        first = children[0] if children and len(children[0]) == 2 else None
        self.originals.setdefault((textarea[0], "#text"), str(first[1]) if first else "")
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
