"""The JavaScript the relay runs in its own server-side pages (never in a participant's).

* :data:`GUARD` runs before the page's scripts in every document: it closes
  the doors the context options cannot (WebRTC, ``window.open``, service
  worker registration) and reports DOM changes through the exposed binding
  :data:`BINDING` (the relay's own key stamps excluded).
* :data:`SERIALIZE` stamps every element with :data:`KEY_ATTR` (stable while
  the element lives, so the relay can find it again for the advisor's clicks)
  and returns the document as HTML with form values written into attributes
  (the DOM keeps them in properties, which ``outerHTML`` would miss).
* :data:`CLICK` and :data:`SET_VALUE` replay the advisor's moves on a stamped
  element, so the page's own handlers react.

A page's scripts can see and tamper with all of this; the worst they can do
is confuse their own page: whatever the relay reads back goes through the
sanitizing pipeline like any fetched page.
"""

from __future__ import annotations

from typing import Final

__all__ = ["BINDING", "CLICK", "GUARD", "KEY_ATTR", "SERIALIZE", "SET_VALUE"]

KEY_ATTR: Final = "data-cobrowse-key"
BINDING: Final = "__cobrowseChanged"

GUARD: Final = """
(() => {
  const KEY = "__KEY__";
  const seal = (target, name, value) => {
    try { Object.defineProperty(target, name, {value, configurable: false}); } catch (e) {}
  };
  for (const name of ["RTCPeerConnection", "webkitRTCPeerConnection", "RTCDataChannel",
                      "RTCSessionDescription", "RTCIceCandidate"]) {
    seal(window, name, undefined);
  }
  seal(window, "open", () => null);
  seal(Navigator.prototype, "serviceWorker", undefined);
  // one report per 50 ms at most (trailing): each is a message to the relay
  const call = () => { try { window["__BINDING__"](); } catch (e) {} };
  const timer = window.setTimeout;
  let pending = false;
  const notify = () => {
    if (pending) return;
    pending = true;
    timer(() => { pending = false; call(); }, 50);
  };
  const observer = new MutationObserver((records) => {
    if (records.some((r) => !(r.type === "attributes" && r.attributeName === KEY))) notify();
  });
  observer.observe(document, {subtree: true, childList: true, attributes: true,
                              characterData: true});
})();
""".replace("__KEY__", KEY_ATTR).replace("__BINDING__", BINDING)

SERIALIZE: Final = """
() => {
  const KEY = "__KEY__";
  const root = document.documentElement;
  if (!root) return "";
  let next = window.__cobrowseNextKey || 1;
  const seen = new Set();
  for (const el of [root, ...root.querySelectorAll("*")]) {
    const key = el.getAttribute(KEY);
    if (key === null || seen.has(key)) el.setAttribute(KEY, String(next++));
    seen.add(el.getAttribute(KEY));
  }
  window.__cobrowseNextKey = next;
  const clone = root.cloneNode(true);
  const live = root.querySelectorAll("input, textarea, select");
  const copies = clone.querySelectorAll("input, textarea, select");
  live.forEach((el, i) => {
    const copy = copies[i];
    if (!copy) return;
    if (el.localName === "textarea") copy.textContent = el.value;
    else if (el.localName === "select") {
      Array.from(el.options).forEach((option, j) => {
        const other = copy.options[j];
        if (other) option.selected ? other.setAttribute("selected", "")
                                   : other.removeAttribute("selected");
      });
    } else if (el.type === "checkbox" || el.type === "radio") {
      el.checked ? copy.setAttribute("checked", "") : copy.removeAttribute("checked");
    } else if (el.type !== "password" && el.type !== "file") {
      copy.setAttribute("value", el.value);
    }
  });
  return "<!DOCTYPE html>" + clone.outerHTML;
}
""".replace("__KEY__", KEY_ATTR)

# (key) -> true if clicked; links and submit buttons are the relay's to follow
CLICK: Final = """
(key) => {
  const el = document.querySelector('[__KEY__="' + CSS.escape(key) + '"]');
  if (!el) return false;
  // form fields change through INPUT_SET (a click here would toggle a box twice)
  if (el.closest("input, select, textarea, label, option")) return false;
  const link = el.closest("a[href]");
  if (link && !link.getAttribute("href").startsWith("#")) return false;
  if (el.closest("button:not([type]), button[type=submit], input[type=submit], input[type=image]")
      && el.closest("form")) return false;
  el.scrollIntoView({block: "center"});
  el.click();
  return true;
}
""".replace("__KEY__", KEY_ATTR)

# ([key, value, checked, selected]) -> true if set
SET_VALUE: Final = """
([key, value, checked, selected]) => {
  const el = document.querySelector('[__KEY__="' + CSS.escape(key) + '"]');
  if (!el || !["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName)) return false;
  if (el.localName === "select") {
    Array.from(el.options).forEach((option, i) => { option.selected = selected.includes(i); });
  } else if (el.type === "checkbox" || el.type === "radio") {
    el.checked = checked;
  } else {
    el.value = value;
  }
  el.dispatchEvent(new Event("input", {bubbles: true}));
  el.dispatchEvent(new Event("change", {bubbles: true}));
  return true;
}
""".replace("__KEY__", KEY_ATTR)
