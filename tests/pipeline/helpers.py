"""Test helpers: a fake resource proxy, tree → HTML, and the safety check."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import tinycss2

from cobrowse.pipeline import Page, build_page, tree_to_html
from cobrowse.pipeline.srcset import parse_srcset
from cobrowse.pipeline.tables import EMITTED_TAGS

PAGE_URL = "https://example.org/dir/page.html"


def fake_resource_url(url: str, kind: str) -> str | None:
    """The test stand-in for the signed /r/ proxy URLs."""
    if url.startswith(("http://", "https://")):
        return "/r/" + kind + "/" + quote(url, safe="")
    return None


def r(url: str, kind: str = "image") -> str:
    """The relay URL fake_resource_url gives for an absolute ``url``."""
    result = fake_resource_url(url, kind)
    assert result is not None
    return result


def page(html: str | bytes, url: str = PAGE_URL, content_type: str | None = "text/html") -> Page:
    body = html.encode() if isinstance(html, str) else html
    return build_page(body, content_type, url, fake_resource_url)


def to_html(node: list[Any]) -> str:
    """Serialize an emitted node back to HTML, for readable golden assertions."""
    return tree_to_html(node)


def body_html(result: Page) -> str:
    """The serialized children of <body> (the part most tests care about)."""
    body = next(n for n in result.tree[3] if len(n) == 4 and n[1] == "body")
    return "".join(to_html(child) for child in body[3])


def sanitize_body(fragment: str) -> str:
    """Sanitize ``fragment`` as a page body and return the body's HTML."""
    return body_html(page(f"<!DOCTYPE html><html><body>{fragment}</body></html>"))


def iter_nodes(node: list[Any]) -> Iterator[list[Any]]:
    yield node
    if len(node) == 4:
        for child in node[3]:
            yield from iter_nodes(child)


# --- the structural safety check ---------------------------------------------

FORBIDDEN_TAGS = frozenset(
    "script iframe frame frameset object embed applet base meta portal template noembed "
    "noframes param svg:script svg:foreignObject svg:animate svg:set svg:animateTransform "
    "svg:animateMotion svg:a svg:iframe math:script".split()
)
URL_ATTRS = frozenset(
    "href src srcset imagesrcset action formaction poster background xlink:href data "
    "codebase cite longdesc ping lowsrc dynsrc manifest icon profile archive".split()
)
NEVER_ATTRS = frozenset("srcdoc formaction ping target download autofocus".split())
_ATTR_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_.:\-]*")
_RELAY_DATA_IMAGE = re.compile(r"data:image/(png|gif|jpeg|webp)[;,]", re.IGNORECASE)


def _relay_or_fragment(value: str) -> bool:
    return (
        value == "/link" or value.startswith(("#", "/r/")) or bool(_RELAY_DATA_IMAGE.match(value))
    )


def check_css(css: str, where: str) -> None:
    """Sanitized CSS: no script text, every url() to the relay (or #id / small data image)."""
    low = css.lower()
    for bad in ("expression(", "javascript:", "vbscript:", "-moz-binding", "</", "<!--"):
        assert bad not in low, f"{where}: {bad!r} in CSS {css[:200]!r}"
    stack: list[Any] = list(tinycss2.parse_component_value_list(css))
    while stack:
        token = stack.pop()
        url: str | None = None
        if token.type == "url":
            url = token.value
        elif token.type == "function":
            if token.lower_name in ("url", "src"):
                strings = [t for t in token.arguments if t.type == "string"]
                assert len(strings) == 1, f"{where}: odd url() {token.serialize()!r}"
                url = strings[0].value
            else:
                stack.extend(token.arguments)
        elif token.type in ("() block", "[] block", "{} block"):
            stack.extend(token.content)
        if url is not None:
            ok = url.startswith(("/r/", "#")) or _RELAY_DATA_IMAGE.match(url)
            assert ok, f"{where}: url({url!r}) escapes the relay"


def assert_safe(tree: list[Any], where: str = "tree") -> None:
    """Fail unless the emitted tree is script-free and only points at the relay."""
    expected_id = 1
    for node in iter_nodes(tree):
        assert node[0] == expected_id, f"{where}: id {node[0]} where {expected_id} expected"
        expected_id += 1
        if len(node) == 2:
            assert isinstance(node[1], str)
            continue
        _, tag, attrs, _children = node
        assert tag not in FORBIDDEN_TAGS, f"{where}: forbidden <{tag}>"
        assert tag in EMITTED_TAGS, f"{where}: unknown <{tag}>"
        for name, value in attrs.items():
            assert _ATTR_NAME.fullmatch(name), f"{where}: attribute name {name!r}"
            low = name.lower()
            assert not low.startswith("on"), f"{where}: <{tag} {name}>"
            assert low not in NEVER_ATTRS, f"{where}: <{tag} {name}>"
            if low in ("srcset", "imagesrcset"):
                for url, _ in parse_srcset(value):
                    ok = url.startswith("/r/") or _RELAY_DATA_IMAGE.match(url)
                    assert ok, f"{where}: <{tag} srcset={value!r}>"
            elif low in URL_ATTRS:
                assert _relay_or_fragment(value), f"{where}: <{tag} {name}={value!r}>"
            elif low == "style":
                check_css(value, f"{where}: <{tag} style>")
            if tag.startswith("svg:") and low != "style":
                refs = re.findall(r"url\(\s*['\"]?(.?)", value.lower())
                assert all(ref == "#" for ref in refs), f"{where}: <{tag} {name}={value!r}>"
        if tag == "link":
            assert attrs.get("rel") == "stylesheet", f"{where}: <link {attrs}>"
        if tag in ("style", "svg:style"):
            for child in node[3]:
                assert len(child) == 2, f"{where}: element inside <style>"
                check_css(child[1], f"{where}: <style>")
