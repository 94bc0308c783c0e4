"""Built-in widget rules: the common script-driven widgets, emulated without a rule.

Each :class:`WidgetPreset` is a named :class:`~cobrowse.pipeline.widget_rules.WidgetRule`,
the same data an operator writes as ``[[rules.widgets]]``. They are applied
after the operator's own widget rules, in the order below (the first rule
that matches a trigger wins), so an operator overrides a preset by writing a
rule for the same trigger and turns presets off per host with
``disable_presets = ["name", …]`` (or ``["all"]``).
``cobrowse check-config --explain HOST`` prints them as TOML.

The order matters: Bootstrap's triggers also carry ``aria-expanded`` and
``aria-controls``, so the Bootstrap presets come before the generic ARIA ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lxml.etree import Element, _Element

from cobrowse.pipeline.selectors import Candidate
from cobrowse.pipeline.widget_rules import WidgetRule

__all__ = ["PRESETS", "PRESET_NAMES", "WidgetPreset", "candidates"]


@dataclass(frozen=True, slots=True)
class WidgetPreset:
    """A built-in widget rule, its name (for ``disable_presets``) and what it is for."""

    name: str
    about: str
    rule: WidgetRule


def _naming(classes: str) -> str:
    """Elements of one of ``classes`` that name a target. The cheap attribute
    test comes first: it rules out almost every element of a page at once."""
    names = ("[aria-controls]", "[data-target]", "[data-bs-target]", '[href^="#"]')
    return ", ".join(f"{n}:is({classes})" for n in names)


_BURGERS: Final = (
    ".menu-toggle, .nav-toggle, .navbar-toggle, .navigation-toggle, .burger, "
    ".hamburger, .menu-button, .menu-btn, .nav-button, .js-menu-toggle"
)

PRESETS: Final = (
    WidgetPreset(
        "bootstrap-collapse",
        "Bootstrap 3/4/5 collapse and accordion, navbar togglers (class show/in, "
        "collapsed on the trigger, data-bs-parent groups)",
        WidgetRule("[data-bs-toggle=collapse], [data-toggle=collapse]", behaviour="collapse"),
    ),
    WidgetPreset(
        "bootstrap-tab",
        "Bootstrap 3/4/5 tabs and pills (class active on the tab and its pane)",
        WidgetRule(
            "[data-bs-toggle=tab], [data-bs-toggle=pill], [data-toggle=tab], [data-toggle=pill]",
            behaviour="bootstrap-tab",
        ),
    ),
    WidgetPreset(
        "bootstrap-dropdown",
        "Bootstrap 3/4/5 dropdowns (class show on the menu, open on its parent)",
        WidgetRule("[data-bs-toggle=dropdown], [data-toggle=dropdown]", behaviour="dropdown"),
    ),
    WidgetPreset(
        "bulma-burger",
        "Bulma's navbar burger (class is-active on the burger and the menu it names)",
        WidgetRule(
            ".navbar-burger[data-target]",
            toggle_class="is-active",
            trigger_class="is-active",
        ),
    ),
    WidgetPreset(
        "burger",
        "Burger buttons that name their menu (aria-controls, data-target, "
        'href="#id"): class is-open on the menu, aria-expanded on the button, '
        "the menu's hidden attribute when it is hidden while closed",
        WidgetRule(_naming(_BURGERS), behaviour="disclosure", toggle_class="is-open"),
    ),
    WidgetPreset(
        "aria-tabs",
        "ARIA tabs (role=tab with aria-controls; aria-selected, hidden panels)",
        WidgetRule("[role=tab][aria-controls]", behaviour="tabs"),
    ),
    WidgetPreset(
        "aria-disclosure",
        "ARIA disclosure, accordion and menu button (aria-expanded, or a button's "
        "aria-haspopup, with aria-controls; hidden on the controlled element)",
        WidgetRule(
            # A link with aria-haspopup usually goes somewhere (its submenu opens
            # on hover, which the CSS emulation handles): buttons only.
            "[aria-expanded][aria-controls], button[aria-haspopup][aria-controls]",
            behaviour="disclosure",
        ),
    ),
    WidgetPreset(
        "dialog-close",
        "Close buttons of dialogs, modals and alerts (data-bs-dismiss, data-dismiss, "
        "<form method=dialog> buttons)",
        WidgetRule(
            "[data-bs-dismiss=modal], [data-dismiss=modal], [data-bs-dismiss=alert], "
            "[data-dismiss=alert], [data-bs-dismiss=toast], [data-bs-dismiss=offcanvas], "
            "form[method=dialog] button",
            behaviour="dismiss",
        ),
    ),
)
PRESET_NAMES: Final = tuple(p.name for p in PRESETS)

# Every element a preset's simple selectors can match has one of these
# attributes, is a tab or links to a fragment; tests/pipeline/test_widget_presets.py
# checks it.
_CANDIDATE_ATTRIBUTES: Final = frozenset(
    {
        "aria-controls",
        "aria-expanded",
        "aria-haspopup",
        "data-toggle",
        "data-bs-toggle",
        "data-target",
        "data-bs-target",
        "data-dismiss",
        "data-bs-dismiss",
    }
)


def candidates(root: _Element) -> list[Candidate]:
    """The elements of ``root`` that a preset's simple selectors may match, with
    their attribute names (:func:`~cobrowse.pipeline.selectors.select_among`
    tests each preset only on those with a name it needs): one pass over
    the page instead of one search per preset (a plain loop is several
    times faster here than an XPath with many conditions)."""
    found: list[Candidate] = []
    names = _CANDIDATE_ATTRIBUTES
    for el in root.iter(Element):
        # Parsed from str or UTF-8, names are str (the stubs also allow bytes).
        keys: list[str] = el.keys()  # type: ignore[assignment]
        if keys and (
            not names.isdisjoint(keys)
            or ("role" in keys and el.get("role") == "tab")
            or ("href" in keys and (el.get("href") or "").startswith("#"))
        ):
            found.append((el, keys))
    return found
