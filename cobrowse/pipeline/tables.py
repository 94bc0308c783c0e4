"""The sanitizer's tables: which elements and attributes survive, and how.

The walk in :mod:`cobrowse.pipeline.sanitize` only looks things up here; a new
element or attribute is a table change, never a new ``if`` in the walk.
``tests/pipeline/golden/rules.json`` pins every table (a golden test), so a
change here is always a visible, reviewed change.

Tag and attribute names are the lower-case names lxml's HTML parser produces
(it knows no SVG or MathML: it gives them no namespace and lower-cases
everything); :class:`TagRule.name` is what the client creates
(``svg:linearGradient``, ``math:mfrac``). Each namespace has its own table:
an element is looked up in the table of its parent's namespace, so
``<svg><p>`` or ``<math><img>`` never yield an HTML element inside foreign
content, and no HTML element can smuggle itself in through a foreign one.
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
    "FORM_CONTROLS",
    "HOISTED_VOID",
    "HTML_TAGS",
    "LAZY_SRCSET_ATTRS",
    "LAZY_SRC_ATTRS",
    "MATH_TAGS",
    "MAX_DEPTH",
    "NEVER_ALLOWED_ATTRS",
    "SVG_ATTR_NAMES",
    "SVG_TAGS",
    "TABLES",
    "UNWRAP_COUNTED",
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
    FRAGMENT = "fragment"  # same-document "#id" only (SVG href, usemap)


@dataclass(frozen=True, slots=True)
class TagRule:
    """One allowed element: emitted ``name``, allowed attributes, special kinds.

    ``ns`` is the element's namespace ("html", "svg", "math"); its children
    are looked up in ``TABLES[ns]``.
    """

    name: str
    attrs: frozenset[str]
    kinds: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    ns: str = "html"
    skip_ws: bool = False  # whitespace-only text children carry nothing (html, head)
    void: bool = False  # void element lxml may give children: they become siblings
    special: bool = False  # the walk treats it specially (void, link, form, style, title)
    # Derived, not configured: the allowed attributes the walk may copy verbatim
    # (see __post_init__). Recomputed when host rules replace() ``attrs``.
    plain: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # An attribute is plain if it is allowed and has no kind. Nothing is plain
        # in SVG (values are checked for url(), names re-cased) nor on elements
        # whose attributes the walk looks at together (lazy images, passwords).
        verbatim = self.ns != "svg" and self.name not in _ATTRS_CHECKED_TOGETHER
        plain = self.attrs - self.kinds.keys() if verbatim else frozenset()
        object.__setattr__(self, "plain", plain)


# Elements whose attributes depend on each other (cobrowse.pipeline.attributes):
# img/source promote lazy-loading attributes, input drops a password's value.
_ATTRS_CHECKED_TOGETHER: Final = frozenset({"img", "source", "input"})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- HTML ------------------------------------------------------------------------

# Attributes any HTML element may keep (plus every data-* and aria-*).
_GLOBAL = _words(
    "class id title lang dir role hidden tabindex style width height align valign translate "
    "inert popover spellcheck autocapitalize enterkeyhint inputmode"
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
    "img": "alt sizes loading decoding ismap border hspace vspace "
    "name:name name:id image:src srcset:srcset fragment:usemap",
    "picture": "",
    "source": "type media sizes media:src srcset:srcset",
    "video": "controls loop muted playsinline preload image:poster media:src",
    "audio": "controls loop muted preload media:src",
    "map": "name",
    "form": "method autocomplete novalidate accept-charset name:name form:action",
    "input": "type value placeholder checked disabled readonly required size maxlength "
    "minlength min max step pattern multiple accept alt list form autocomplete "
    "dirname name image:src",
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
    "details": "open name",
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

# Removed together with everything inside them (in every namespace). The
# mirror runs no script, so what would need script or a plugin, a nested
# browsing context, or a second parse (template, annotation-xml) goes whole.
DROP_WITH_CONTENT: Final = _words(
    "script iframe frame frameset portal fencedframe template base meta param track "
    "noembed noframes bgsound keygen foreignobject animate animatemotion "
    "animatetransform animatecolor set discard handler listener mpath annotation-xml "
    "mglyph feimage"
)
# Removed, but their children are shown: the fallback content a browser
# shows when the plugin, the canvas script or the custom element is missing.
UNWRAP_COUNTED: Final = _words("object applet embed canvas slot")

# Attribute names never allowed, not even by an operator's host rule: script
# hooks, URLs no table rewrites, and attributes that act on the embedding page.
NEVER_ALLOWED_ATTRS: Final = _words(
    "href src srcset imagesrcset action formaction poster background cite data codebase "
    "longdesc ping lowsrc dynsrc manifest icon profile archive classid xlink:href "
    "xml:base srcdoc style target download is xmlns http-equiv content usemap "
    "autofocus nonce integrity popovertarget popovertargetaction commandfor command "
    "shadowrootmode shadowroot formtarget"
)

# Elements that have no content of their own but that libxml2 (which knows
# neither HTML5's void elements nor SVG/MathML) may nest what follows inside.
# The walk emits their "children" as following siblings instead, also when
# the element itself is dropped: an unclosed <mglyph> or <animate> must not
# take the rest of the page with it.
HOISTED_VOID: Final = _words(
    "source track wbr embed keygen base meta param bgsound animate animatemotion "
    "animatetransform animatecolor set discard mpath mglyph feimage"
)

# Controls that may submit a form: inside a POST form that must not be sent
# they get ``disabled`` (the fields stay usable, so the advisor can still
# show how to fill the form in).
FORM_CONTROLS: Final = _words("input button")

# Lazy-loading attributes promoted to src/srcset when src is missing or a
# placeholder; a host rule's ``lazy_image_attributes`` adds more.
LAZY_SRC_ATTRS: Final = ("data-src", "data-lazy-src", "data-original", "data-lazy")
LAZY_SRCSET_ATTRS: Final = ("data-srcset", "data-lazy-srcset")

# --- SVG: a static, safe subset (no animation, no foreignObject, no links) -------

_SVG_CASE = {
    n.lower(): n
    for n in (
        "linearGradient radialGradient clipPath textPath viewBox preserveAspectRatio "
        "gradientUnits gradientTransform spreadMethod clipPathUnits maskUnits "
        "maskContentUnits patternUnits patternContentUnits patternTransform pathLength "
        "textLength lengthAdjust refX refY markerWidth markerHeight markerUnits "
        "startOffset filterUnits primitiveUnits stdDeviation tableValues baseFrequency "
        "numOctaves stitchTiles xChannelSelector yChannelSelector kernelMatrix "
        "kernelUnitLength targetX targetY edgeMode preserveAlpha surfaceScale "
        "diffuseConstant specularConstant specularExponent pointsAtX pointsAtY "
        "pointsAtZ limitingConeAngle systemLanguage requiredFeatures requiredExtensions "
        "feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix "
        "feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood feFuncA "
        "feFuncB feFuncG feFuncR feGaussianBlur feMerge feMergeNode feMorphology feOffset "
        "fePointLight feSpecularLighting feSpotLight feTile feTurbulence"
    ).split()
}
_SVG_ELEMENTS = _words(
    "svg g path circle rect line polyline polygon ellipse title desc defs use symbol text "
    "tspan textpath lineargradient radialgradient stop clippath mask pattern marker image "
    "style switch filter feblend fecolormatrix fecomponenttransfer fecomposite "
    "feconvolvematrix fediffuselighting fedisplacementmap fedistantlight fedropshadow "
    "feflood fefunca fefuncb fefuncg fefuncr fegaussianblur femerge femergenode "
    "femorphology feoffset fepointlight fespecularlighting fespotlight fetile feturbulence"
)
_SVG_ATTRS = frozenset(
    n.lower()
    for n in (
        "class id style lang tabindex role focusable version x y x1 x2 y1 y2 cx cy r rx ry "
        "fx fy fr dx dy d points width height rotate offset transform transform-origin "
        "alignment-baseline baseline-shift clip clip-path clip-rule color "
        "color-interpolation color-interpolation-filters cursor direction display "
        "dominant-baseline fill fill-opacity fill-rule filter flood-color flood-opacity "
        "font-family font-size font-size-adjust font-stretch font-style font-variant "
        "font-weight image-rendering letter-spacing lighting-color marker-end marker-mid "
        "marker-start mask opacity overflow paint-order pointer-events shape-rendering "
        "stop-color stop-opacity stroke stroke-dasharray stroke-dashoffset stroke-linecap "
        "stroke-linejoin stroke-miterlimit stroke-opacity stroke-width text-anchor "
        "text-decoration text-rendering unicode-bidi vector-effect visibility word-spacing "
        "writing-mode orient media href xlink:href xml:space side method spacing "
        "in in2 result mode operator k1 k2 k3 k4 values type slope intercept amplitude "
        "exponent seed scale order divisor bias radius azimuth elevation z"
    ).split()
) | frozenset(_SVG_CASE)
_SVG_KINDS = {
    "style": AttrKind.CSS,
    "id": AttrKind.NAME,
    "href": AttrKind.FRAGMENT,
    "xlink:href": AttrKind.FRAGMENT,
}

# --- MathML: presentation markup (MathML Core), no links, no images -------------

_MATH_ELEMENTS = _words(
    "math mi mn mo ms mtext mspace mrow mfrac msqrt mroot mstyle merror mpadded mphantom "
    "msub msup msubsup munder mover munderover mmultiscripts mprescripts none mtable mtr "
    "mtd mlabeledtr menclose mfenced semantics annotation"
)
_MATH_ATTRS = _words(
    "class id style dir display displaystyle mathvariant mathsize mathcolor "
    "mathbackground scriptlevel fence form largeop lspace rspace movablelimits separator "
    "stretchy symmetric maxsize minsize accent accentunder linethickness depth height "
    "width voffset rowspan columnspan columnalign rowalign columnlines rowlines frame "
    "framespacing equalrows equalcolumns align notation open close separators numalign "
    "denomalign bevelled subscriptshift superscriptshift alttext tabindex"
)
_MATH_KINDS = {"style": AttrKind.CSS, "id": AttrKind.ID}


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
    void = tag in HOISTED_VOID
    special = void or tag in _SPECIAL
    return TagRule(tag, attrs, MappingProxyType(kinds), skip_ws=skip_ws, void=void, special=special)


_SPECIAL = _words("link form style title")


def _svg_rule(tag: str) -> TagRule:
    kinds = dict(_SVG_KINDS)
    if tag == "image":
        kinds.update({"href": AttrKind.IMAGE, "xlink:href": AttrKind.IMAGE})
    name = "svg:" + _SVG_CASE.get(tag, tag)
    return TagRule(name, _SVG_ATTRS, MappingProxyType(kinds), ns="svg", special=tag in _SPECIAL)


def _math_rule(tag: str) -> TagRule:
    return TagRule("math:" + tag, _MATH_ATTRS, MappingProxyType(_MATH_KINDS), ns="math")


HTML_TAGS: Final = MappingProxyType(
    {tag: _html_rule(tag, spec) for tag, spec in _HTML.items()}
    | {tag: _html_rule(tag, "") for tag in _PLAIN - _HTML.keys()}
    | {tag: TagRule("pre", _GLOBAL, MappingProxyType(_GLOBAL_KINDS)) for tag in _AS_PRE}
    | {"svg": _svg_rule("svg"), "math": _math_rule("math")}
)
SVG_TAGS: Final = MappingProxyType({tag: _svg_rule(tag) for tag in _SVG_ELEMENTS})
MATH_TAGS: Final = MappingProxyType({tag: _math_rule(tag) for tag in _MATH_ELEMENTS})
# Namespace → the table its children are looked up in.
TABLES: Final = MappingProxyType({"html": HTML_TAGS, "svg": SVG_TAGS, "math": MATH_TAGS})

# Every tag name the walk can emit (for tests and the client's allowlist).
EMITTED_TAGS: Final = frozenset(r.name for table in TABLES.values() for r in table.values())

# Attribute names emitted in SVG keep their SVG spelling (viewBox, not viewbox).
SVG_ATTR_NAMES: Final = MappingProxyType(_SVG_CASE | {"xlink:href": "href"})

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
