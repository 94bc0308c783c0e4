"""The operator's per-host rules (``[[rules]]`` in the config): schema and compilation.

:class:`HostRule` is one ``[[rules]]`` table, checked by
:func:`parse_host_rule` (the config reads the TOML and adds file lines to the
problems); :func:`rules_for` compiles the rules that match a page's host
into :class:`PageRules`, which the sanitizing walk applies.

An operator tunes how a site looks in the mirror without touching code:
``remove`` drops elements by CSS selector (cookie banners, chat widgets),
``unwrap`` keeps only their content, ``hide`` keeps them but hidden, ``mask``
marks form fields whose values must stay private (``data-cb-masked``); extra
attributes may be allowed or forbidden, more lazy-image attribute names
promoted, POST forms enabled, and ``widgets`` describe the site's own
disclosure markup (burger menus, accordions) for the relay to emulate
(:class:`WidgetRule`, :mod:`cobrowse.pipeline.widget_rules`) on top of the
built-in presets (:mod:`cobrowse.pipeline.widget_presets`), which
``disable_presets`` turns off per host. The automatic fixes
(:data:`AUTOMATIC_FIXES`: consent banners, ``<noscript>`` warnings, lazy
images) are on for every host unless ``[pipeline]`` (a rule for every host,
``host`` None) or a host's rule turns them off; the most specific rule that
says something wins. Rules never loosen the safety tables:
attribute names that carry URLs or script can not be allowed (checked when
the config is loaded, :func:`attribute_problem`), and everything a rule
keeps still goes through the sanitizing walk.

Selectors are compiled once with lxml's ``cssselect`` support (to XPath)
and run on the parsed tree before the walk. Widget triggers (and targets
named by a whole-page selector) get relay-owned marks there
(:data:`WIDGET_ATTR`, :data:`WIDGET_TARGET_ATTR`); :mod:`cobrowse.session.edits`
reads them when the advisor clicks. The page's own marks of these names are
stripped first (:func:`strip_page_marks`), so a page cannot fake a widget.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import urlsplit

from lxml.etree import _Element as Element
from lxml.etree import strip_attributes

from cobrowse.hosts import HostPattern
from cobrowse.pipeline.href_copy import HREF_COPY_ATTR
from cobrowse.pipeline.selectors import select as _select
from cobrowse.pipeline.selectors import select_among, selector_problem
from cobrowse.pipeline.tables import (
    DROP_WITH_CONTENT,
    LAZY_SRC_ATTRS,
    LAZY_SRCSET_ATTRS,
    NEVER_ALLOWED_ATTRS,
    TABLES,
    TagRule,
)
from cobrowse.pipeline.widget_presets import PRESET_NAMES, PRESETS, WidgetPreset
from cobrowse.pipeline.widget_presets import candidates as preset_candidates
from cobrowse.pipeline.widget_rules import (
    RELATIVE_TARGETS,
    TOGGLE_ATTRIBUTES,
    WIDGET_ATTR,
    WIDGET_KEYS,
    WIDGET_TARGET_ATTR,
    WidgetRule,
    class_problem,
    parse_widget,
)

__all__ = [
    "AUTOMATIC_FIXES",
    "MASK_ATTR",
    "NO_RULES",
    "RELATIVE_TARGETS",
    "RENDER_MODES",
    "RULE_LISTS",
    "TOGGLE_ATTRIBUTES",
    "WIDGET_ATTR",
    "WIDGET_KEYS",
    "WIDGET_TARGET_ATTR",
    "HostRule",
    "PageRules",
    "RuleProblem",
    "WidgetRule",
    "attribute_problem",
    "class_problem",
    "parse_host_rule",
    "parse_widget",
    "rules_for",
    "selector_problem",
    "strip_page_marks",
]

_ATTR_NAME: Final = re.compile(r"[a-z_][a-z0-9_.\-]*(?::[a-z_][a-z0-9_.\-]*)?\Z")
_HIDE_STYLE: Final = "display:none !important"
# Marks a private form field (set by the mask rules and pipeline.build, read by
# cobrowse.session.publish and the client).
MASK_ATTR: Final = "data-cb-masked"
# Unwrapping these would show code or the raw text of a removed element.
_NEVER_UNWRAPPED: Final = DROP_WITH_CONTENT | {"head", "body", "title", "style", "textarea"}


def attribute_problem(name: str, *, lenient: bool = False) -> str | None:
    """Why an operator may not allow attribute ``name``, or None if it is fine.

    ``lenient`` checks only the spelling (for names that are forbidden or
    read, never emitted as they are).
    """
    if not _ATTR_NAME.match(name):
        return "not a lower-case attribute name"
    if not lenient and (name.startswith("on") or name in NEVER_ALLOWED_ATTRS):
        return "an attribute that carries script or a URL and can never be allowed"
    return None


@dataclass(frozen=True, slots=True)
class HostRule:
    """Sanitizing rules for pages of one host pattern (one ``[[rules]]`` table).

    ``remove``/``unwrap``/``hide``/``mask`` are CSS selectors; ``widgets``
    the ``[[rules.widgets]]`` tables; the module docstring says what each
    key does.
    """

    host: HostPattern | None  # None: every host (the [pipeline] table's switches)
    remove: tuple[str, ...] = ()
    unwrap: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    mask: tuple[str, ...] = ()
    allow_attributes: tuple[str, ...] = ()
    forbid_attributes: tuple[str, ...] = ()
    lazy_image_attributes: tuple[str, ...] = ()
    allow_post_forms: bool = False
    widgets: tuple[WidgetRule, ...] = ()
    # The automatic fixes (AUTOMATIC_FIXES); None: this rule does not say.
    remove_consent_banners: bool | None = None
    drop_noscript_warnings: bool | None = None
    promote_lazy_images: bool | None = None
    # "html": fetch and sanitize what the site sends; "browser": load the page
    # in the relay's own headless Chromium first (cobrowse.render)
    render: str = "html"
    disable_presets: tuple[str, ...] = ()


# Switches of the pipeline's automatic fixes, each on unless a rule says false:
# in [pipeline] for every host, in a [[rules]] table for its host.
AUTOMATIC_FIXES: Final = ("remove_consent_banners", "drop_noscript_warnings", "promote_lazy_images")

# How a host's pages are loaded (HostRule.render).
RENDER_MODES: Final = ("html", "browser")
# The keys of a [[rules]] table that hold lists of strings.
RULE_LISTS: Final = (
    "remove",
    "unwrap",
    "hide",
    "mask",
    "allow_attributes",
    "forbid_attributes",
    "lazy_image_attributes",
)
_SELECTOR_LISTS: Final = ("remove", "unwrap", "hide", "mask")


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """One problem in a ``[[rules]]`` table, in English for the config error.

    ``key`` names the offending key of the table, or of its ``widget``-th
    ``[[rules.widgets]]`` table when ``widget`` is not None.
    """

    key: str
    message: str
    widget: int | None = None


def parse_host_rule(entry: dict[str, Any]) -> tuple[HostRule | None, list[RuleProblem]]:
    """Check one ``[[rules]]`` table: its :class:`HostRule` (None when the host
    is missing or bad) and every problem, in the order of the table's keys.

    Entries with problems are left out of the rule; selectors and attribute
    names are checked with :func:`selector_problem` / :func:`attribute_problem`.
    """
    known = ", ".join(
        [
            "host",
            *RULE_LISTS,
            "allow_post_forms",
            *AUTOMATIC_FIXES,
            "render",
            "widgets",
            "disable_presets",
        ]
    )
    problems: list[RuleProblem] = []
    values: dict[str, Any] = {}
    for key, value in entry.items():
        if key == "host":
            try:
                values["host"] = HostPattern.parse(value if isinstance(value, str) else "")
            except ValueError:
                problems.append(
                    RuleProblem(key, f'expected a host like "*.example.org", got {value!r}')
                )
        elif key == "allow_post_forms" or key in AUTOMATIC_FIXES:
            if isinstance(value, bool):
                values[key] = value
            else:
                problems.append(RuleProblem(key, f"expected true or false, got {value!r}"))
        elif key == "render":
            if value in RENDER_MODES:
                values[key] = value
            else:
                problems.append(RuleProblem(key, f'expected "html" or "browser", got {value!r}'))
        elif key == "widgets":
            tables = value if isinstance(value, list) else [value]
            widgets = []
            for number, table in enumerate(tables):
                widget, found = parse_widget(table)
                problems.extend(RuleProblem(wkey, text, number) for wkey, text in found)
                if widget is not None:
                    widgets.append(widget)
            values[key] = tuple(widgets)
        elif key == "disable_presets":
            names = ", ".join(["all", *PRESET_NAMES])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(RuleProblem(key, f"expected a list of preset names ({names})"))
                continue
            items = [v.strip() for v in value]
            for item in items:
                if item != "all" and item not in PRESET_NAMES:
                    problems.append(RuleProblem(key, f"{item!r} is not a preset ({names})"))
            values[key] = tuple(items)
        elif key in RULE_LISTS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(RuleProblem(key, f"expected a list of strings, got {value!r}"))
                continue
            selectors = key in _SELECTOR_LISTS
            items = [v.strip() if selectors else v.strip().lower() for v in value]
            for item in items:
                problem = (
                    selector_problem(item)
                    if selectors
                    else attribute_problem(item, lenient=key != "allow_attributes")
                )
                if problem:
                    problems.append(RuleProblem(key, f"{item!r} is {problem}"))
            values[key] = tuple(items)
        else:
            problems.append(RuleProblem(key, f"unknown key (known: {known})"))
    if "host" in values:
        return HostRule(**values), problems
    if "host" not in entry:
        problems.append(RuleProblem("host", "missing: every [[rules]] table needs a host"))
    return None, problems


def strip_page_marks(root: Element) -> None:
    """Drop the page's own widget marks (a page must not fake a widget) and link
    address copies (:mod:`.href_copy`: the walk sets them); cheap
    when there are none (libxml2 knows no such attribute name)."""
    strip_attributes(root, WIDGET_ATTR, WIDGET_TARGET_ATTR, HREF_COPY_ATTR)


@dataclass(frozen=True, slots=True)
class PageRules:
    """The merged rules of every ``[[rules]]`` entry that matches one host."""

    remove: tuple[str, ...] = ()
    unwrap: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    mask: tuple[str, ...] = ()
    allow_attributes: frozenset[str] = frozenset()
    forbid_attributes: frozenset[str] = frozenset()
    lazy_src: tuple[str, ...] = LAZY_SRC_ATTRS
    lazy_srcset: tuple[str, ...] = LAZY_SRCSET_ATTRS
    allow_post_forms: bool = False
    widgets: tuple[WidgetRule, ...] = ()
    # Automatic fixes for how real sites look without their scripts (each one
    # ``[pipeline]`` switch and ``[[rules]]`` key): see cobrowse.pipeline.consent,
    # .noscript and .lazy.
    remove_consent_banners: bool = True
    drop_noscript_warnings: bool = True
    promote_lazy_images: bool = True
    # the built-in widget rules, applied after ``widgets``
    presets: tuple[WidgetPreset, ...] = PRESETS
    # namespace → tag table with the attribute changes applied
    tables: MappingProxyType[str, dict[str, TagRule]] = field(
        default_factory=lambda: MappingProxyType({ns: dict(t) for ns, t in TABLES.items()})
    )

    @property
    def changes_tree(self) -> bool:
        return bool(
            self.remove or self.unwrap or self.hide or self.mask or self.widgets or self.presets
        )

    def apply(self, root: Element, removed: Counter[str]) -> None:
        """Run ``remove``, ``unwrap``, ``hide``, ``mask``, then mark ``widgets`` and
        ``presets`` on the parsed tree (whose page marks :func:`strip_page_marks` dropped).

        Counts each matched element as ``rule:<action>:<selector>``, each trigger
        a preset marked as ``preset:<name>``.
        """
        for selector in self.remove:
            for el in _select(selector, root):
                if el.getparent() is not None:
                    removed["rule:remove:" + selector] += 1
                    _remove(el)
        for selector in self.unwrap:
            for el in _select(selector, root):
                if el.getparent() is not None and el.tag not in _NEVER_UNWRAPPED:
                    removed["rule:unwrap:" + selector] += 1
                    _unwrap(el)
        for selector in self.hide:
            for el in _select(selector, root):
                removed["rule:hide:" + selector] += 1
                style = (el.get("style") or "").strip().rstrip(";")
                el.set("style", f"{style}; {_HIDE_STYLE}" if style else _HIDE_STYLE)
        for selector in self.mask:
            for el in _select(selector, root):
                el.set(MASK_ATTR, "")
        for index, widget in enumerate(self.widgets):
            self._mark_widget(root, index, widget, removed, "rule:widget:" + widget.trigger)
        found = preset_candidates(root) if self.presets else []
        for index, preset in enumerate(self.presets, len(self.widgets)):
            triggers = select_among(preset.rule.trigger, found, root)
            self._mark_widget(root, index, preset.rule, removed, "preset:" + preset.name, triggers)

    @staticmethod
    def _mark_widget(
        root: Element,
        index: int,
        widget: WidgetRule,
        removed: Counter[str],
        key: str,
        triggers: list[Element] | None = None,
    ) -> None:
        """One mark per trigger (the first rule wins); targets collect rule indexes."""
        for el in _select(widget.trigger, root) if triggers is None else triggers:
            if el.get(WIDGET_ATTR) is None:
                removed[key] += 1
                el.set(WIDGET_ATTR, widget.mark(index))
        if widget.relative:
            return
        for el in _select(widget.target, root):
            tokens = (el.get(WIDGET_TARGET_ATTR) or "").split()
            el.set(WIDGET_TARGET_ATTR, " ".join([*tokens, str(index)]))


NO_RULES: Final = PageRules()


def rules_for(rules: Sequence[HostRule], url: str) -> PageRules:
    """The :class:`PageRules` for a page at ``url`` (NO_RULES when none match).

    A rule's host pattern without a port matches every port.
    """
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").rstrip("."), parts.port
    except ValueError:
        return NO_RULES
    if not rules or not host:
        return NO_RULES
    return _for_host(tuple(rules), host, port)


@lru_cache(maxsize=256)
def _for_host(rules: tuple[HostRule, ...], host: str, port: int | None) -> PageRules:
    matching = [r for r in rules if _matches(r, host, port)]
    if not matching:
        return NO_RULES
    allow = frozenset(a for r in matching for a in r.allow_attributes)
    disabled = frozenset(name for r in matching for name in r.disable_presets)
    forbid = frozenset(a for r in matching for a in r.forbid_attributes)
    lazy = [a for r in matching for a in r.lazy_image_attributes]
    lazy_src = tuple(dict.fromkeys([*LAZY_SRC_ATTRS, *(a for a in lazy if "srcset" not in a)]))
    lazy_srcset = tuple(dict.fromkeys([*LAZY_SRCSET_ATTRS, *(a for a in lazy if "srcset" in a)]))
    tables = {ns: dict(table) for ns, table in TABLES.items()}
    if allow or forbid:
        for table in tables.values():
            for tag, rule in table.items():
                table[tag] = replace(rule, attrs=(rule.attrs | allow) - forbid)
    return PageRules(
        remove=tuple(dict.fromkeys(s for r in matching for s in r.remove)),
        unwrap=tuple(dict.fromkeys(s for r in matching for s in r.unwrap)),
        hide=tuple(dict.fromkeys(s for r in matching for s in r.hide)),
        mask=tuple(dict.fromkeys(s for r in matching for s in r.mask)),
        allow_attributes=allow,
        forbid_attributes=forbid,
        lazy_src=lazy_src,
        lazy_srcset=lazy_srcset,
        allow_post_forms=any(r.allow_post_forms for r in matching),
        widgets=tuple(dict.fromkeys(w for r in matching for w in r.widgets)),
        presets=tuple(p for p in PRESETS if p.name not in disabled and "all" not in disabled),
        tables=MappingProxyType(tables),
        remove_consent_banners=_switch(matching, "remove_consent_banners"),
        drop_noscript_warnings=_switch(matching, "drop_noscript_warnings"),
        promote_lazy_images=_switch(matching, "promote_lazy_images"),
    )


def _switch(matching: list[HostRule], name: str) -> bool:
    """An automatic fix is on unless the last matching rule that names it says false."""
    for rule in reversed(matching):
        value: bool | None = getattr(rule, name)
        if value is not None:
            return value
    return True


def _matches(rule: HostRule, host: str, port: int | None) -> bool:
    pattern = rule.host
    if pattern is None:  # [pipeline]: every host
        return True
    if pattern.port is not None and port != pattern.port:
        return False
    host = host.lower()
    return host.endswith("." + pattern.host) if pattern.wildcard else host == pattern.host


def _append_text(el: Element, text: str | None, *, tail_of: Element | None) -> None:
    """Add ``text`` after ``tail_of`` (its tail), or at the start of ``el`` (its text)."""
    if not text:
        return
    if tail_of is not None:
        tail_of.tail = (tail_of.tail or "") + text
    else:
        el.text = (el.text or "") + text


def _remove(el: Element) -> None:
    """Remove ``el`` and its content, keeping the text that follows it."""
    parent = el.getparent()
    assert parent is not None
    _append_text(parent, el.tail, tail_of=el.getprevious())
    parent.remove(el)


def _unwrap(el: Element) -> None:
    """Replace ``el`` by its content (text, children, then its tail)."""
    parent = el.getparent()
    assert parent is not None
    previous = el.getprevious()
    _append_text(parent, el.text, tail_of=previous)
    children = list(el)
    tail = el.tail
    index = parent.index(el)
    parent[index : index + 1] = children
    last = children[-1] if children else previous
    _append_text(parent, tail, tail_of=last)
