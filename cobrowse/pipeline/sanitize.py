"""The sanitizing walk: lxml tree in, snapshot tree out, in one pass.

The walk applies the tables in :mod:`cobrowse.pipeline.tables` (as patched by
the page's :class:`~cobrowse.pipeline.site_rules.PageRules`) and emits the
node-id tree directly. Elements are kept (allowed), unwrapped (unknown: the
children take their place) or dropped with their content; attributes are
kept, rewritten (URLs, styles) or dropped. No element, attribute or URL that
could run script or make the browser contact anything but the relay
survives: links become ``/link`` (the target is kept server-side in
``Page.links``), resources become what ``resource_url`` returns.

The emitted tree is final: the client builds it node by node with
``createElement``/``setAttribute``, never through an HTML parser, so what
this walk emits is exactly the DOM the participants get (no mXSS by
re-parsing, no namespace confusion).

The walk is the pipeline's hot loop, so it has fast paths; each is a
shortcut to the same output, never a skipped check (test_sanitize.py
compares them with the general path): an element whose attributes are all
``TagRule.plain`` (allowed, no kind, not SVG, not img/source/input) copies
them in one ``dict()``; other attributes are rewritten in that copy in place;
a leaf element's text is added without a recursive call.

This module holds the tree part of the walk (elements, text, forms); which
attributes an element keeps is :mod:`cobrowse.pipeline.attributes`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from lxml.etree import _Element as Element

from cobrowse.pipeline.attributes import AttributeRewriter
from cobrowse.pipeline.consent import remove_consent_banners
from cobrowse.pipeline.noscript import clean_noscript
from cobrowse.pipeline.page import LINK_TARGET, FormInfo, Page, ResourceUrl
from cobrowse.pipeline.site_rules import NO_RULES, PageRules, strip_page_marks
from cobrowse.pipeline.style_cache import cached_stylesheet
from cobrowse.pipeline.submitters import (
    BLOCKED_FORM_TITLE,
    BLOCKED_MARK,
    FormScope,
    submit_control,
)
from cobrowse.pipeline.tables import (
    DROP_WITH_CONTENT,
    FORM_CONTROLS,
    HOISTED_VOID,
    MAX_DEPTH,
    UNWRAP_COUNTED,
    TagRule,
)
from cobrowse.pipeline.urls import PageUrls

__all__ = ["BLOCKED_FORM_TITLE", "sanitize_document"]


def sanitize_document(
    root: Element, url: str, resource_url: ResourceUrl, rules: PageRules = NO_RULES
) -> Page:
    """Walk the parsed document ``root`` (an ``html`` element) once.

    ``url`` is the page's own URL: relative URLs resolve against it, and
    links to it with only a ``#fragment`` stay ``#fragment``. ``rules`` are
    the host's admin rules; their tree changes (remove/unwrap/hide) are
    applied to ``root`` first. Returns the :class:`Page` with tree, title,
    links, forms and the removal counts.
    """
    walk = _Walk(url, resource_url, rules)
    strip_page_marks(root)  # before the rules mark widgets: a page must not fake one
    # Automatic fixes (consent banners, <noscript>) before the operator's rules.
    if rules.remove_consent_banners:
        remove_consent_banners(root, walk.removed)
    lazy_names = (*rules.lazy_src, *rules.lazy_srcset) if rules.promote_lazy_images else ()
    clean_noscript(root, walk.removed, warnings=rules.drop_noscript_warnings, lazy_names=lazy_names)
    if rules.changes_tree:
        rules.apply(root, walk.removed)
    tree = walk.document(root)
    return Page(url, walk.title or "", tree, walk.links, walk.forms, walk.removed)


class _Walk(AttributeRewriter):
    """State of one page's walk: id counter, caches, and what it recorded.

    The attribute methods (``attributes``, ``rewrite_attributes``) come from
    :class:`~cobrowse.pipeline.attributes.AttributeRewriter`.
    """

    __slots__ = (
        "_form",
        "_next_id",
        "_resource_url",
        "_rules",
        "_styles",
        "forms",
        "links",
        "removed",
        "tables",
        "title",
        "url",
        "urls",
    )

    def __init__(self, url: str, resource_url: ResourceUrl, rules: PageRules) -> None:
        self.url = url
        self._rules = rules
        self.tables = rules.tables
        self._next_id = 1
        self._styles: dict[str, str] = {}
        self._form: FormScope | None = None  # the form the walk is inside
        self.forms: dict[int, FormInfo] = {}
        self.removed: Counter[str] = Counter()
        self.urls = PageUrls(url, resource_url, self.removed)
        self._resource_url = self.urls.resource_url  # asks resource_url once per URL
        self.links = self.urls.links
        self.title: str | None = None

    # --- tree ---------------------------------------------------------------

    def document(self, root: Element) -> list[Any]:
        """The node of the root ``html`` element, with everything below it."""
        rule = self.tables["html"]["html"]
        self._next_id = 2
        items: list[tuple[str, str]] = root.items()  # type: ignore[assignment]
        attrs = self.attributes(root, "html", items, rule, 1) if items else {}
        children: list[Any] = []
        self.content(root, children, 1, self.tables["html"], False)
        return [1, rule.name, attrs, children]

    def content(
        self, el: Element, out: list[Any], depth: int, table: dict[str, TagRule], ws: bool
    ) -> None:
        """Append the nodes for ``el``'s text and children to ``out``.

        The hot loop of the pipeline (one Python frame per tree level): a plain
        allowed element, most of any page, is emitted right here; every other
        child goes through :meth:`other_child`.
        """
        text = el.text
        if text and (ws or not text.isspace()):
            if out and len(out[-1]) == 2:  # unwrapped into a list that ends with text
                out[-1][1] += text
            else:
                out.append([self._next_id, text])
                self._next_id += 1
        tables = self.tables
        for child in el:
            tag = child.tag
            # Non-element nodes have non-str tags, which no table holds: None.
            rule = table.get(tag)
            if rule is None or rule.special or depth >= MAX_DEPTH:
                self.other_child(child, tag, rule, out, depth, table, ws)
                continue
            node_id = self._next_id  # the counter is written back past this child's nodes
            # Parsed from str, names and values are str (stubs also allow bytes).
            items: list[tuple[str, str]] = child.items()  # type: ignore[assignment]
            if not items:
                attrs = {}
            elif rule.plain:
                # rule.plain holds only allowed names without a kind, and is empty
                # where attributes() does more than look at each one alone (SVG,
                # img/source/input). So the copy is what attributes() returns once
                # the other names are rewritten or dropped in place, which keeps
                # their order (libxml2 and lxml never give a name twice).
                attrs = dict(items)
                if not attrs.keys() <= rule.plain:
                    self.rewrite_attributes(child, tag, items, attrs, rule, node_id)
            else:
                attrs = self.attributes(child, tag, items, rule, node_id)
            if self._form is not None and tag in FORM_CONTROLS and rule.ns == "html":
                self.submit_control(child, tag, attrs, node_id)
            children: list[Any] = []
            out.append([node_id, rule.name, attrs, children])
            if len(child):  # has child elements (len() counts no text)
                self._next_id = node_id + 1
                self.content(child, children, depth + 1, tables[rule.ns], not rule.skip_ws)
                next_id = self._next_id
            else:  # a leaf (most elements): its text, as content() would add it, without a frame
                next_id = node_id + 1
                text = child.text
                if text and (not rule.skip_ws or not text.isspace()):
                    children.append([next_id, text])
                    next_id += 1
            tail = child.tail
            if tail and (ws or not tail.isspace()):
                out.append([next_id, tail])  # after the element: nothing to merge with
                next_id += 1
            self._next_id = next_id

    def other_child(
        self,
        child: Element,
        tag: Any,
        rule: TagRule | None,
        out: list[Any],
        depth: int,
        table: dict[str, TagRule],
        ws: bool,
    ) -> None:
        """Append the nodes for a child that is not a plain allowed element, and its tail.

        Unknown elements are dropped with their content or unwrapped, special
        ones go through :meth:`special_element`; comments/PIs/entities (non-str
        tags) leave only their tail.
        """
        if type(tag) is str:
            if rule is None:
                if tag in DROP_WITH_CONTENT:
                    self.removed["element:" + tag] += 1
                    if tag in HOISTED_VOID:
                        self.content(child, out, depth, table, ws)
                else:
                    prefix = "element:" if tag in UNWRAP_COUNTED else "unwrap:"
                    self.removed[prefix + tag[:40]] += 1
                    self.content(child, out, depth, table, ws)
            elif depth >= MAX_DEPTH:
                self.removed["depth"] += 1
            else:
                self.special_element(child, tag, rule, out, depth)
        tail = child.tail
        if tail and (ws or not tail.isspace()):
            if out and len(out[-1]) == 2:  # merge with a preceding text node
                out[-1][1] += tail
            else:
                out.append([self._next_id, tail])
                self._next_id += 1

    def special_element(
        self, el: Element, tag: str, rule: TagRule, out: list[Any], depth: int
    ) -> None:
        """Append the node for an allowed element that needs more than its table entry."""
        ns = rule.ns
        if tag == "link" and not self.stylesheet_link(el):
            self.removed["element:link"] += 1
            return
        node_id = self._next_id
        self._next_id += 1
        items: list[tuple[str, str]] = el.items()  # type: ignore[assignment]
        attrs = self.attributes(el, tag, items, rule, node_id) if items else {}
        form: FormScope | None = None
        if ns == "html":
            if tag == "form":
                form = self.form(el, node_id, attrs)
            elif tag == "link":
                attrs["rel"] = "stylesheet"  # stylesheet_link() checked it is one
            elif self._form is not None and tag in FORM_CONTROLS:
                self.submit_control(el, tag, attrs, node_id)
        children: list[Any] = []
        out.append([node_id, rule.name, attrs, children])
        if rule.void:
            self.content(el, out, depth, self.tables[ns], True)
        elif tag == "style":
            css = cached_stylesheet(el.text or "", self.url, self._resource_url, self.removed)
            if css:
                children.append([self._next_id, css])
                self._next_id += 1
        else:
            if tag == "title" and ns == "html" and self.title is None:
                self.title = " ".join("".join(el.itertext()).split())  # type: ignore[arg-type]
            outer = self._form
            if form is not None:
                self._form = form
            self.content(el, children, depth + 1, self.tables[ns], not rule.skip_ws)
            self._form = outer

    # --- forms and links ----------------------------------------------------

    def form(self, el: Element, node_id: int, attrs: dict[str, str]) -> FormScope:
        """Record where a form submits (its action becomes ``/link``).

        A POST form the host rules do not allow is marked ``data-cobrowse-blocked``;
        its submit controls are disabled with a title that says why (see
        :mod:`cobrowse.pipeline.submitters`), the form itself stays usable.
        """
        method = "post" if (el.get("method") or "").strip().lower() == "post" else "get"
        attrs["method"] = method
        blocked = method == "post" and not self._rules.allow_post_forms
        if blocked:
            self.removed["form:post"] += 1
            attrs[BLOCKED_MARK] = "post"
        action = self.urls.form_action(el.get("action") or "")
        if action is not None:
            self.forms[node_id] = FormInfo(method, action, not blocked)
            attrs["action"] = LINK_TARGET
        return FormScope(method, action, blocked)

    def submit_control(self, el: Element, tag: str, attrs: dict[str, str], node_id: int) -> None:
        """An input/button inside a form: blocked, or its own submit target recorded."""
        assert self._form is not None
        info = submit_control(el, tag, attrs, self._form, self.urls, self._rules.allow_post_forms)
        if info is not None:
            self.forms[node_id] = info

    def stylesheet_link(self, el: Element) -> bool:
        """Only ``<link rel=stylesheet href=…>`` is kept (rewritten in attributes())."""
        rel = (el.get("rel") or "").lower().split()
        return rel == ["stylesheet"] and bool((el.get("href") or "").strip())
