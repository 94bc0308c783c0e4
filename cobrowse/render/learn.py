"""``cobrowse audit URL --learn``: widget rules learned by watching the page's scripts.

The page is loaded in the relay's browser exactly as for a session (its own
context, every request through the fetcher's allowlist and SSRF guard).
Elements with click listeners are found with the DevTools protocol
(``DOMDebugger.getEventListeners``); each one is clicked while a
MutationObserver records which classes and toggle attributes change where.
A change that a ``[[rules.widgets]]`` rule can reproduce (a class or a
boolean attribute on the trigger, its parent, its next sibling or an element
with an id) becomes a rule; the page is reloaded between triggers so one
click's state never leaks into the next. Triggers whose clicks close each
other's targets (accordions) get ``group = true``.

Links to other pages and submit buttons are never clicked (the relay follows
those itself); text a script rewrites cannot be reproduced and is ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from playwright.async_api import CDPSession, Page

from cobrowse.config import RenderConfig
from cobrowse.fetch import Fetcher
from cobrowse.pipeline.site_rules import TOGGLE_ATTRIBUTES, parse_widget
from cobrowse.render.browser import BrowserPool
from cobrowse.render.page import SessionBrowser
from cobrowse.render.scripts import KEY_ATTR, SERIALIZE

__all__ = ["LearnedWidget", "Listener", "click_listeners", "learn_widgets", "widgets_toml"]

MAX_ELEMENTS: Final = 3000
MAX_TRIGGERS: Final = 40

# For each stamped element: a selector a rule can use (its classes, else its id)
# and whether clicking it would leave the page (links, submit buttons).
_DESCRIBE: Final = """
(key) => {
  const el = document.querySelector('[__KEY__="' + CSS.escape(key) + '"]');
  if (!el) return null;
  const ok = (name) => /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name);
  const classes = Array.from(el.classList).filter(ok);
  let selector = null;
  if (classes.length) selector = el.localName + "." + classes.join(".");
  else if (el.id && ok(el.id)) selector = "#" + el.id;
  const link = el.closest("a[href]");
  const leaves = (link && !link.getAttribute("href").startsWith("#"))
    || !!el.closest("button[type=submit], input[type=submit], input[type=image]");
  return {selector, leaves, count: selector ? document.querySelectorAll(selector).length : 0};
}
""".replace("__KEY__", KEY_ATTR)

# Click the n-th element matching selector and report what changed: per
# changed element, how it relates to the trigger and which classes/attributes flipped.
_CLICK_AND_WATCH: Final = """
async ([selector, n, attributes]) => {
  const trigger = document.querySelectorAll(selector)[n];
  if (!trigger) return [];
  const records = [];
  const observer = new MutationObserver((list) => records.push(...list));
  observer.observe(document.documentElement, {subtree: true, attributes: true,
    attributeOldValue: true, attributeFilter: ["class", ...attributes]});
  trigger.click();
  await new Promise((resolve) => setTimeout(resolve, 150));
  records.push(...observer.takeRecords());
  observer.disconnect();
  const ok = (name) => /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name);
  const changes = new Map();
  for (const r of records) {
    const el = r.target;
    let where = null;
    if (el === trigger) where = "self";
    else if (el === trigger.parentElement) where = "parent";
    else if (el === trigger.nextElementSibling) where = "next";
    else if (el.id && ok(el.id)) where = "#" + el.id;
    if (!where) continue;
    const entry = changes.get(where) || {where, classes: new Set(), attributes: new Set()};
    if (r.attributeName === "class") {
      const before = new Set((r.oldValue || "").split(/\\s+/).filter(Boolean));
      const after = new Set(Array.from(el.classList));
      for (const c of after) if (!before.has(c) && ok(c)) entry.classes.add(c);
      for (const c of before) if (!after.has(c) && ok(c)) entry.classes.add(c);
    } else if ((r.oldValue === null) !== !el.hasAttribute(r.attributeName)) {
      entry.attributes.add(r.attributeName);
    }
    changes.set(where, entry);
  }
  return Array.from(changes.values()).map((e) =>
    ({where: e.where, classes: Array.from(e.classes), attributes: Array.from(e.attributes)}));
}
"""

# Does the target of trigger 0 still carry the class after clicking trigger 1?
_STILL_OPEN: Final = """
([selector, target, cls]) => {
  const trigger = document.querySelectorAll(selector)[0];
  let el = trigger;
  if (target === "next") el = trigger.nextElementSibling;
  else if (target === "parent") el = trigger.parentElement;
  else if (target !== "self") el = document.querySelector(target);
  return !!el && el.classList.contains(cls);
}
"""


@dataclass(frozen=True, slots=True)
class Listener:
    """An element with a click listener: a selector for it and how many match."""

    selector: str
    count: int


@dataclass(frozen=True, slots=True)
class LearnedWidget:
    """One ``[[rules.widgets]]`` table (the keys of :class:`WidgetRule`)."""

    trigger: str
    target: str
    toggle_class: str = ""
    toggle_attribute: str = ""
    trigger_class: str = ""
    group: bool = False

    def table(self) -> dict[str, Any]:
        out: dict[str, Any] = {"trigger": self.trigger, "target": self.target}
        for key in ("toggle_class", "toggle_attribute", "trigger_class"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.group:
            out["group"] = True
        return out


async def click_listeners(page: Page, cdp: CDPSession) -> list[Listener]:
    """Elements with their own click listener (``DOMDebugger.getEventListeners``),
    as selectors; links to other pages and submit buttons left out."""
    await page.evaluate(SERIALIZE)  # stamps every element with a key
    found = await cdp.send(
        "Runtime.evaluate",
        {"expression": f"Array.from(document.querySelectorAll('[{KEY_ATTR}]'))"},
    )
    array = found["result"].get("objectId")
    if array is None:
        return []
    props = await cdp.send("Runtime.getProperties", {"objectId": array, "ownProperties": True})
    listeners: dict[str, Listener] = {}
    elements = [p for p in props["result"] if p["name"].isdigit()][:MAX_ELEMENTS]
    for prop in elements:
        object_id = prop.get("value", {}).get("objectId")
        if object_id is None:
            continue
        events = await cdp.send("DOMDebugger.getEventListeners", {"objectId": object_id})
        if not any(e["type"] == "click" for e in events["listeners"]):
            continue
        key = await cdp.send(
            "Runtime.callFunctionOn",
            {
                "objectId": object_id,
                "functionDeclaration": f"function () {{ return this.getAttribute('{KEY_ATTR}'); }}",
                "returnByValue": True,
            },
        )
        info = await page.evaluate(_DESCRIBE, key["result"].get("value"))
        if info and info["selector"] and not info["leaves"]:
            listeners.setdefault(info["selector"], Listener(info["selector"], info["count"]))
    return list(listeners.values())[:MAX_TRIGGERS]


def _widget(selector: str, changes: list[dict[str, Any]]) -> LearnedWidget | None:
    """The rule for one trigger's changes: the first target other than the
    trigger itself (a class on the trigger too becomes ``trigger_class``)."""
    own = next((c for c in changes if c["where"] == "self"), None)
    others = [c for c in changes if c["where"] != "self"]
    trigger_class = own["classes"][0] if own and own["classes"] else ""
    attributes = sorted(TOGGLE_ATTRIBUTES - {"aria-expanded"})  # the trigger's follows anyway
    for change in others or ([own] if own else []):
        toggle_class = change["classes"][0] if change["classes"] else ""
        toggle_attribute = next((a for a in change["attributes"] if a in attributes), "")
        if toggle_class or toggle_attribute:
            return LearnedWidget(
                selector,
                change["where"],
                toggle_class,
                toggle_attribute,
                trigger_class if change is not own else "",
            )
    return None


async def learn_widgets(
    url: str, fetcher: Fetcher, config: RenderConfig
) -> tuple[list[Listener], list[LearnedWidget]]:
    """Load ``url`` in the relay's browser, click every click-listener element
    (reloading in between) and return the listeners and the rules learned."""
    pool = BrowserPool(config)
    browser = SessionBrowser(pool, fetcher, config, lambda _: None)
    learned: list[LearnedWidget] = []
    try:
        page, final, *_ = await browser.load(url)
        await browser.show(page)
        assert browser.context is not None
        cdp = await browser.context.new_cdp_session(page)
        listeners = await click_listeners(page, cdp)
        attributes = sorted(TOGGLE_ATTRIBUTES)
        for listener in listeners:
            page, final, *_ = await browser.load(final)
            await browser.show(page)
            changes = await page.evaluate(_CLICK_AND_WATCH, [listener.selector, 0, attributes])
            widget = _widget(listener.selector, changes)
            if widget is None:
                continue
            if listener.count > 1 and widget.toggle_class:
                # an accordion? clicking the second trigger closes the first
                await page.evaluate(_CLICK_AND_WATCH, [listener.selector, 1, attributes])
                still = await page.evaluate(
                    _STILL_OPEN, [listener.selector, widget.target, widget.toggle_class]
                )
                if not still and widget.target in ("next", "parent", "self"):
                    widget = LearnedWidget(**{**widget.table(), "group": True})
            learned.append(widget)
    finally:
        await browser.close()
        await pool.close()
    return listeners, [w for w in learned if parse_widget(w.table())[0] is not None]


def _toml(value: object) -> str:
    return "true" if value is True else json.dumps(value, ensure_ascii=False)


def widgets_toml(url: str, widgets: Iterable[LearnedWidget]) -> str:
    """The ``[[rules]]`` table with the learned ``[[rules.widgets]]`` for ``url``'s host."""
    host = urlsplit(url).hostname or ""
    lines = [
        f"# Learned by `cobrowse audit --learn` from {url}",
        "# (check each rule; a host without a port matches every port)",
        "[[rules]]",
        f"host = {_toml(host)}",
    ]
    for widget in widgets:
        lines += ["", "  [[rules.widgets]]"]
        lines += [f"  {key} = {_toml(value)}" for key, value in widget.table().items()]
    return "\n".join(lines) + "\n"
