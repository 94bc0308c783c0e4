"""Cookie and consent banners: left out of the mirror, by default.

A consent banner covers a third of the page until the site's script closes
it; in the mirror no script runs, so it never closes, and clicking „Nur
notwendige“ does nothing. The relay keeps no cookies and sends none of the
citizen's, so there is nothing to consent to: :func:`remove_consent_banners`
takes the banner out of the parsed tree before the walk. Nothing is clicked
upstream. An operator turns it off with ``remove_consent_banners = false``
(``[pipeline]`` for every host, ``[[rules]]`` for one).

Two ways to recognise a banner:

* **Known consent managers** by the containers their scripts fill or their
  markup uses (:data:`VENDOR_CONTAINERS`: Usercentrics, Cookiebot, OneTrust,
  Borlabs, consentmanager, Klaro, CCM19). Ids and classes that other
  software uses too (``.klaro``, ``#ccm-widget``) must also talk about
  cookies or be empty.
* **The generic pattern**: an element that is a dialog (``role=dialog``,
  ``aria-modal``, ``<dialog>``), fixed or sticky by its own ``style``, or
  named like a banner (``cookie``, ``consent``, ``dsgvo`` … in id or class),
  whose text speaks of cookies or consent and which has a control that
  accepts or rejects (:data:`_CHOICE`). It must look like a banner, not
  like content: at most :data:`_MAX_BANNER_CHARS` of text, no ``main``,
  ``h1`` or ``article`` inside. Banners sit near the top of the tree, so
  the search never enters the page's ``main``, an ``article`` or other
  content blocks (so a privacy page's own cookie settings stay, and the
  search stays cheap). The outermost match goes; an empty backdrop named
  like a banner goes with it.

Counts ``element:consent-<vendor>`` (or ``element:consent-banner``).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Final

from lxml.etree import _Element as Element

from cobrowse.pipeline.prune import drop_element

__all__ = ["VENDOR_CONTAINERS", "remove_consent_banners"]

# vendor → ids and class names of its banner, dialog, backdrop and floating button.
# "?" before a name: shared with other software, removed only if the element
# speaks of cookies or consent, or is empty (its script fills it).
VENDOR_CONTAINERS: Final = {
    "usercentrics": ("#usercentrics-root", "#usercentrics-cmp-ui"),
    "cookiebot": (
        "#CybotCookiebotDialog",
        "#CybotCookiebotDialogBodyUnderlay",
        "#CookiebotWidget",
    ),
    "onetrust": (
        "#onetrust-consent-sdk",
        "#onetrust-banner-sdk",
        "#onetrust-pc-sdk",
        "#ot-sdk-btn-floating",
        ".onetrust-pc-dark-filter",
    ),
    "borlabs": ("#BorlabsCookieBox", "#BorlabsCookieWidget", "#BorlabsDialogBackdrop"),
    "consentmanager": ("#cmpbox", "#cmpbox2", "#cmpwrapper", ".cmpboxBG"),
    "klaro": ("?#klaro", "?.klaro"),
    "ccm19": ("?#ccm-widget", "?.ccm-root"),
}

# selector → vendor, and whether it needs the element to speak of consent
_VENDOR_OF: Final = {
    s.lstrip("?"): (vendor, s.startswith("?"))
    for vendor, names in VENDOR_CONTAINERS.items()
    for s in names
}
_VENDOR_IDS: Final = frozenset(s[1:] for s in _VENDOR_OF if s[0] == "#")
_VENDOR_CLASSES: Final = frozenset(s[1:] for s in _VENDOR_OF if s[0] == ".")
_BANNER_NAMES: Final = ("cookie", "consent", "gdpr", "dsgvo", "privacy-banner")
_MAX_BANNER_CHARS: Final = 3000
_CONSENT_TEXT: Final = re.compile(
    r"cookie|einwillig|zustimm|consent|datenschutzeinstellung|privatsphäre-einstellung"
    r"|privacy settings|tracking|dsgvo|gdpr",
    re.IGNORECASE,
)
# What a banner's buttons say: accept, reject, or only the necessary ones.
_CHOICE: Final = re.compile(
    r"akzeptier|zustimm|einverstanden|annehm|ablehn|erlaub|zulass|einwillig"
    r"|nur (?:technisch )?(?:notwendig|erforderlich|essen[zt]iell)|auswahl (?:speichern|bestätig)"
    r"|accept|agree|consent|reject|decline|deny|refuse|allow|only (?:necessary|essential|required)",
    re.IGNORECASE,
)
_CONTROLS: Final = ("button", "a", "input")
_NOT_A_BANNER: Final = frozenset({"html", "head", "body", "main", "article"})
_DIALOG_ROLES: Final = frozenset({"dialog", "alertdialog"})
# Where banners are searched: this deep below body, not inside content blocks.
_MAX_SEARCH_DEPTH: Final = 8
_NOT_SEARCHED: Final = frozenset(
    "main article table ul ol dl p svg math nav select picture figure pre blockquote".split()
)


def _candidates(body: Element) -> list[Element]:
    """Elements under ``body`` that may be a banner, outermost first (document order).

    Banners sit near the top of the tree (a child of ``body``, of a page
    wrapper, of the header or footer), never deep inside the content: the
    search goes :data:`_MAX_SEARCH_DEPTH` levels down and not into
    :data:`_NOT_SEARCHED`. That keeps it to a small share of a page's
    elements, at about a microsecond each (an XPath costs ten).
    """
    found: list[Element] = []

    def visit(parent: Element, depth: int) -> None:
        for el in parent:
            tag = el.tag
            if type(tag) is not str:
                continue
            get = el.get
            ident, names = get("id"), get("class")
            if (
                (ident is not None and (ident in _VENDOR_IDS or _named(ident)))
                or (names is not None and (_named(names) or _vendor_class(names)))
                or get("role") in _DIALOG_ROLES
                or tag == "dialog"
                or get("aria-modal") == "true"
                or _fixed(get("style"))
            ):
                found.append(el)
            if depth < _MAX_SEARCH_DEPTH and tag not in _NOT_SEARCHED and len(el):
                visit(el, depth + 1)

    visit(body, 1)
    return found


def _vendor_class(names: str) -> bool:
    return not _VENDOR_CLASSES.isdisjoint(names.split())


def _fixed(style: str | None) -> bool:
    return style is not None and ("fixed" in style or "sticky" in style)


def _named(value: str) -> bool:
    """An id or class named like a banner (_BANNER_NAMES; spelled out: this runs
    for every element, and ``in`` on a lower-cased copy beats a regex by far)."""
    low = value.lower()
    return (
        "cookie" in low
        or "consent" in low
        or "gdpr" in low
        or "dsgvo" in low
        or "privacy-banner" in low
    )


def _text(el: Element) -> str:
    return " ".join("".join(el.itertext()).split())  # type: ignore[arg-type]


def _vendor(el: Element) -> tuple[str, bool] | None:
    """(vendor, needs consent words) if ``el`` is a known container."""
    found = _VENDOR_OF.get("#" + (el.get("id") or ""))
    if found is None:
        for name in (el.get("class") or "").split():
            found = _VENDOR_OF.get("." + name)
            if found is not None:
                break
    return found


def _dialog_or_fixed(el: Element) -> bool:
    if el.tag == "dialog" or el.get("role") in ("dialog", "alertdialog"):
        return True
    if el.get("aria-modal") == "true":
        return True
    style = "".join((el.get("style") or "").lower().split())
    return "position:fixed" in style or "position:sticky" in style


def _named_like_banner(el: Element) -> bool:
    names = ((el.get("id") or "") + " " + (el.get("class") or "")).lower()
    return any(name in names for name in _BANNER_NAMES)


def _inside_content(el: Element) -> bool:
    """True if ``el`` sits in the page's ``main`` or an ``article`` (page content)."""
    for ancestor in el.iterancestors():
        if ancestor.tag in ("main", "article") or ancestor.get("role") == "main":
            return True
    return False


def _has_choice(el: Element) -> bool:
    for control in el.iter(_CONTROLS):
        label = (control.get("value") or "") if control.tag == "input" else _text(control)
        label = label or control.get("aria-label") or ""
        if len(label) <= 80 and _CHOICE.search(label):
            return True
    return False


def _generic_banner(el: Element) -> bool:
    """The generic pattern (see the module docstring) for one candidate."""
    if el.tag in _NOT_A_BANNER:
        return False
    text = _text(el)
    if not text or len(text) > _MAX_BANNER_CHARS or not _CONSENT_TEXT.search(text):
        return False
    if next(el.iter("main", "h1", "article"), None) is not None:
        return False
    if _inside_content(el) and not _dialog_or_fixed(el):
        return False
    return _has_choice(el)


def remove_consent_banners(root: Element, removed: Counter[str]) -> None:
    """Drop every consent banner under ``root``'s ``body`` (see the module docstring)."""
    body = root.find("body")
    if body is None:
        return
    candidates = _candidates(body)
    if not candidates:
        return
    gone: set[Element] = set()
    backdrops: list[Element] = []
    for el in candidates:
        if gone and any(a in gone for a in el.iterancestors()):
            continue
        vendor = _vendor(el)
        if vendor is not None:
            name, needs_words = vendor
            empty = not len(el) and not (el.text or "").strip()
            if not needs_words or empty or _CONSENT_TEXT.search(_text(el)):
                gone.add(el)
                removed["element:consent-" + name] += 1
                continue
        if _generic_banner(el):
            gone.add(el)
            removed["element:consent-banner"] += 1
        elif _named_like_banner(el) and not _text(el) and not _inside_content(el):
            backdrops.append(el)
    if not gone:
        return
    for el in backdrops:
        if not any(a in gone for a in el.iterancestors()) and next(el.iter("img"), None) is None:
            gone.add(el)
            removed["element:consent-backdrop"] += 1
    for el in gone:
        drop_element(el)
