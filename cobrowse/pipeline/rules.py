"""The sanitizer's tables: which elements and attributes survive, and how.

The walk in :mod:`cobrowse.pipeline.sanitize` only looks things up here; a new
element or attribute is a table change, never a new ``if`` in the walk.

Tag and attribute names are the lower-case names lxml's HTML parser produces
(it gives SVG no namespace and lower-cases everything); :class:`TagRule.name`
is what the client creates (``svg:linearGradient`` etc.).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

__all__ = [
    "CLOBBER_IDS",
    "CLOBBER_NAMES",
    "DROP_WITH_CONTENT",
    "EMITTED_TAGS",
    "HOISTED_VOID",
    "HTML_TAGS",
    "LAZY_SRCSET_ATTRS",
    "LAZY_SRC_ATTRS",
    "MAX_DEPTH",
    "SVG_ATTR_NAMES",
    "SVG_TAGS",
    "AttrKind",
    "TagRule",
]

# Deeper subtrees are dropped: keeps the walk's recursion (two frames per
# level) and the msgpack nesting (two arrays per level, limit 511) bounded.
# libxml2 itself stops nesting at 255; real pages stay far below 100.
MAX_DEPTH: Final = 200


class AttrKind:
    """How an attribute's value is treated; plain text attributes have no kind."""

    NAV = "nav"  # a/area href: "#frag" kept, else "/link" + links[node_id]
    FORM = "form"  # form action: "/link" + forms[node_id]
    IMAGE = "image"  # resource URL, resource kind "image"
    MEDIA = "media"  # resource URL, resource kind "media"
    STYLESHEET = "style"  # resource URL, resource kind "style"
    SRCSET = "srcset"  # candidate list of image URLs
    CSS = "css"  # inline style, through css.sanitize_style_attr
    NAME = "name"  # document-named (img/form name, img id): dropped if in CLOBBER_NAMES
    ID = "id"  # window-named (every id): dropped if in CLOBBER_IDS
    FRAGMENT = "fragment"  # SVG href: same-document "#id" only


@dataclass(frozen=True, slots=True)
class TagRule:
    """One allowed element: emitted ``name``, allowed attributes, special kinds."""

    name: str
    attrs: frozenset[str]
    kinds: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    svg: bool = False  # element is SVG (children are in SVG context)
    skip_ws: bool = False  # whitespace-only text children carry nothing (html, head)
    void: bool = False  # void element lxml may give children: they become siblings


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Attributes any HTML element may keep (plus every data-* and aria-*).
_GLOBAL = _words(
    "class id title lang dir role hidden tabindex style width height align valign translate"
)
_GLOBAL_KINDS = {"style": AttrKind.CSS, "id": AttrKind.ID}

# Per-tag attributes beyond the global ones; ``kind:attr`` marks a special attribute.
_HTML: dict[str, str] = {
    "html": "",
    "head": "",
    "body": "bgcolor text link vlink alink image:background",
    "title": "",
    "style": "media",
    "link": "rel media style:href",
    "a": "rel hreflang type name nav:href",
    "area": "alt shape coords rel name nav:href",
    "img": "alt sizes loading decoding ismap usemap border hspace vspace "
    "name:name name:id image:src srcset:srcset",
    "picture": "",
    "source": "type media sizes media:src srcset:srcset",
    "video": "controls loop muted playsinline preload image:poster media:src",
    "audio": "controls loop muted preload media:src",
    "map": "name",
    "form": "method autocomplete novalidate accept-charset name:name form:action",
    "input": "type value placeholder checked disabled readonly required size maxlength "
    "minlength min max step pattern multiple accept alt list form autocomplete "
    "inputmode dirname name image:src",
    "button": "type value disabled form name",
    "select": "multiple size disabled required form autocomplete name",
    "option": "value selected disabled label",
    "optgroup": "label disabled",
    "textarea": "rows cols placeholder disabled readonly required maxlength minlength "
    "wrap form autocomplete dirname name",
    "label": "for form",
    "fieldset": "disabled form name",
    "legend": "",
    "output": "for form name",
    "meter": "value min max low high optimum",
    "progress": "value max",
    "datalist": "",
    "table": "border cellpadding cellspacing bgcolor summary frame rules image:background",
    "caption": "",
    "colgroup": "span",
    "col": "span",
    "thead": "image:background",
    "tbody": "image:background",
    "tfoot": "image:background",
    "tr": "bgcolor image:background",
    "td": "colspan rowspan headers scope abbr nowrap bgcolor image:background",
    "th": "colspan rowspan headers scope abbr nowrap bgcolor image:background",
    "ol": "start reversed type",
    "ul": "type",
    "li": "value type",
    "time": "datetime",
    "data": "value",
    "del": "datetime",
    "ins": "datetime",
    "details": "open",
    "dialog": "open",
    "font": "color face size",
    "hr": "noshade size color",
    "pre": "wrap",
    "bdo": "",
}
# Harmless elements with no attributes of their own.
_PLAIN = _words(
    "abbr acronym address article aside b bdi big blockquote br center cite code dd dfn "
    "div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header hgroup i kbd main "
    "mark menu nav nobr p q rb rp rt rtc ruby s samp search section small span strike "
    "strong sub summary sup tt u ul var wbr"
)
# Raw-text relics shown as preformatted text (their content is text to lxml).
_AS_PRE = _words("xmp listing plaintext")

# Removed together with everything inside them (in HTML and SVG context).
DROP_WITH_CONTENT: Final = _words(
    "script iframe frame frameset object embed applet portal fencedframe template base "
    "meta param track noembed noframes bgsound keygen canvas foreignobject animate "
    "animatemotion animatetransform animatecolor set discard handler listener mpath"
)

# SVG: a static, safe subset (no animation, no foreignObject, no links).
_SVG_CASE = {
    n.lower(): n
    for n in (
        "linearGradient radialGradient clipPath textPath viewBox preserveAspectRatio "
        "gradientUnits gradientTransform spreadMethod clipPathUnits maskUnits "
        "maskContentUnits patternUnits patternContentUnits patternTransform pathLength "
        "textLength lengthAdjust refX refY markerWidth markerHeight markerUnits"
    ).split()
}
_SVG_ELEMENTS = _words(
    "svg g path circle rect line polyline polygon ellipse title desc defs use symbol text "
    "tspan textpath lineargradient radialgradient stop clippath mask pattern marker image "
    "style"
)
_SVG_ATTRS = frozenset(
    n.lower()
    for n in (
        "class id style lang tabindex role focusable version x y x1 x2 y1 y2 cx cy r rx ry "
        "fx fy fr dx dy d points width height rotate offset transform transform-origin "
        "alignment-baseline baseline-shift clip clip-path clip-rule color "
        "color-interpolation cursor direction display dominant-baseline fill "
        "fill-opacity fill-rule filter font-family font-size font-size-adjust "
        "font-stretch font-style font-variant font-weight image-rendering "
        "letter-spacing marker-end marker-mid marker-start mask opacity overflow "
        "paint-order pointer-events shape-rendering stop-color stop-opacity stroke "
        "stroke-dasharray stroke-dashoffset stroke-linecap stroke-linejoin "
        "stroke-miterlimit stroke-opacity stroke-width text-anchor text-decoration "
        "text-rendering unicode-bidi vector-effect visibility word-spacing writing-mode "
        "orient media href xlink:href"
    ).split()
) | frozenset(_SVG_CASE)
_SVG_KINDS = {
    "style": AttrKind.CSS,
    "id": AttrKind.NAME,
    "href": AttrKind.FRAGMENT,
    "xlink:href": AttrKind.FRAGMENT,
}

# Void elements libxml2 does not know are void: it nests what follows inside
# them. The walk emits their "children" as following siblings instead, also
# when the element itself is dropped.
HOISTED_VOID: Final = _words("source track wbr embed keygen")

# Lazy-loading attributes promoted to src/srcset when src is missing or a placeholder.
LAZY_SRC_ATTRS: Final = ("data-src", "data-lazy-src", "data-original")
LAZY_SRCSET_ATTRS: Final = ("data-srcset", "data-lazy-srcset")

# DOM clobbering: named access would shadow what the mirror client calls on
# the frame. Any id becomes a property of the frame's window, but below
# Window.prototype, so only inherited EventTarget/Object members are at risk.
CLOBBER_IDS: Final = _words(
    "addEventListener removeEventListener dispatchEvent toString toLocaleString valueOf "
    "constructor hasOwnProperty isPrototypeOf propertyIsEnumerable __proto__ "
    "__defineGetter__ __defineSetter__ __lookupGetter__ __lookupSetter__"
)
# The name of an img/form (and the id of a named img) becomes a property of the
# document that overrides even its built-in members: none of these may be taken.
# Form controls keep their names: a form's own properties are not used by the client.
CLOBBER_NAMES: Final = CLOBBER_IDS | _words(
    "addEventListener removeEventListener dispatchEvent createElement createElementNS "
    "createTextNode createComment createDocumentFragment createRange createEvent "
    "createTreeWalker createNodeIterator getElementById getElementsByName "
    "getElementsByTagName getElementsByTagNameNS getElementsByClassName querySelector "
    "querySelectorAll elementFromPoint elementsFromPoint caretPositionFromPoint "
    "getSelection hasFocus adoptNode importNode open close write writeln documentElement "
    "head body title defaultView location cookie domain referrer URL documentURI "
    "baseURI readyState activeElement scrollingElement fonts forms images links "
    "anchors scripts styleSheets adoptedStyleSheets implementation contentType "
    "characterSet charset compatMode doctype visibilityState hidden ownerDocument "
    "parentNode parentElement childNodes children firstChild lastChild firstElementChild "
    "lastElementChild nextSibling previousSibling nodeType nodeName nodeValue "
    "textContent appendChild insertBefore removeChild replaceChild replaceChildren "
    "cloneNode contains append prepend remove after before getRootNode isConnected "
    "attributes getAttribute setAttribute removeAttribute hasAttribute toString valueOf "
    "constructor prototype __proto__ submit reset elements length action method target "
    "encoding enctype acceptCharset noValidate requestSubmit checkValidity "
    "reportValidity namedItem item tagName localName namespaceURI innerHTML outerHTML "
    "style className classList dataset focus blur click scrollIntoView "
    "getBoundingClientRect getClientRects matches closest"
)


def _html_rule(tag: str, spec: str) -> TagRule:
    plain: set[str] = set()
    kinds = dict(_GLOBAL_KINDS)
    for word in spec.split():
        kind, _, attr = word.rpartition(":")
        if kind:
            kinds[attr] = kind
        plain.add(attr)
    attrs = _GLOBAL | plain
    skip_ws = tag in ("html", "head")
    return TagRule(tag, attrs, MappingProxyType(kinds), skip_ws=skip_ws, void=tag in HOISTED_VOID)


def _svg_rule(tag: str) -> TagRule:
    kinds = dict(_SVG_KINDS)
    if tag == "image":
        kinds.update({"href": AttrKind.IMAGE, "xlink:href": AttrKind.IMAGE})
    name = "svg:" + _SVG_CASE.get(tag, tag)
    return TagRule(name=name, attrs=_SVG_ATTRS, kinds=MappingProxyType(kinds), svg=True)


HTML_TAGS: Final = MappingProxyType(
    {tag: _html_rule(tag, spec) for tag, spec in _HTML.items()}
    | {tag: _html_rule(tag, "") for tag in _PLAIN - _HTML.keys()}
    | {tag: TagRule("pre", _GLOBAL, MappingProxyType(_GLOBAL_KINDS)) for tag in _AS_PRE}
    | {"svg": _svg_rule("svg")}
)
SVG_TAGS: Final = MappingProxyType({tag: _svg_rule(tag) for tag in _SVG_ELEMENTS})

# Every tag name the walk can emit (for tests and the client's allowlist).
EMITTED_TAGS: Final = frozenset(r.name for r in HTML_TAGS.values()) | frozenset(
    r.name for r in SVG_TAGS.values()
)

# Attribute names emitted in SVG keep their SVG spelling (viewBox, not viewbox).
SVG_ATTR_NAMES: Final = MappingProxyType(_SVG_CASE | {"xlink:href": "href"})
