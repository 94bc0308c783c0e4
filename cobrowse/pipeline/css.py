"""CSS sanitizing and URL rewriting, on tinycss2 tokens (never regexes).

Every URL a stylesheet or ``style`` attribute would fetch (``url()``, the
strings inside ``image-set()``/``image()``, ``@font-face`` ``src``,
``@import``) is resolved against ``base_url`` and replaced by what
``resource_url(absolute_url, kind)`` returns. A declaration whose URL cannot
be rewritten is dropped whole, as are script-ish constructs (``expression()``,
``behavior``, ``-moz-binding``, ``javascript:``) and unknown at-rules.
Same-document references (``url(#clip)``) and small inline images
(``data:image/png|gif|jpeg|webp``, at most 32 KiB) stay as they are.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

import tinycss2
from tinycss2.ast import (
    AtRule,
    Declaration,
    FunctionBlock,
    ParseError,
    QualifiedRule,
    StringToken,
    URLToken,
)

from cobrowse.pipeline.hover import rewrite_state_selectors
from cobrowse.pipeline.href_copy import rewrite_href_selectors
from cobrowse.pipeline.page import ResourceUrl
from cobrowse.pipeline.urls import small_data_image

__all__ = ["css_string", "sanitize_style_attr", "sanitize_stylesheet"]

# Properties that bind behaviour (old IE/Firefox/Opera script hooks).
_DROP_PROPERTIES: Final = frozenset(
    {"behavior", "-ms-behavior", "-moz-binding", "binding", "-o-link", "-o-link-source"}
)
# At-rules with a block that are kept; their content is sanitized recursively.
_BLOCK_AT_RULES: Final = frozenset(
    "media supports container layer scope starting-style font-face keyframes "
    "-webkit-keyframes -moz-keyframes page counter-style property font-feature-values "
    "font-palette-values top-left top-center top-right bottom-left bottom-center "
    "bottom-right left-top left-middle left-bottom right-top right-middle "
    "right-bottom".split()
)
# Functions whose bare string arguments are URLs.
_IMAGE_FUNCTIONS: Final = frozenset(
    {"image-set", "-webkit-image-set", "image", "cross-fade", "-webkit-cross-fade"}
)
_URL_FUNCTIONS: Final = frozenset({"url", "src"})
_BANNED_FUNCTIONS: Final = frozenset({"expression", "-moz-binding"})
_BANNED_TEXT: Final = ("javascript:", "vbscript:", "livescript:", "expression(")
_BANNED_IDENTS: Final = frozenset({"javascript", "vbscript", "livescript"})
# Real CSS function names; anything else (``\20url(``, ``u\0000rl(``) is a smuggling attempt.
_FUNCTION_NAME_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
# Browsers ignore these anywhere in a URL (tab, LF, CR) or strip them at the ends.
_URL_STRIP: Final = "".join(map(chr, range(0x21)))
_URL_REMOVE: Final = {9: None, 10: None, 13: None}


def sanitize_stylesheet(
    text: str,
    base_url: str,
    resource_url: ResourceUrl,
    *,
    removed: Counter[str] | None = None,
) -> str:
    """Return ``text`` (a whole stylesheet) sanitized and rewritten.

    Relative URLs resolve against ``base_url`` (the page for ``<style>``, the
    stylesheet's own URL for the resource proxy). What was dropped is counted
    into ``removed`` (keys ``css:<reason>``) if given. The result never
    contains ``</`` or ``<!--``, so it cannot end a ``<style>`` element.
    """
    walker = _CssWalker(base_url, resource_url, removed)
    rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
    kept = walker.block(rules, top=True)
    return _seal("\n".join(tinycss2.serialize([node]) for node in kept))


def sanitize_style_attr(
    text: str,
    base_url: str,
    resource_url: ResourceUrl,
    *,
    removed: Counter[str] | None = None,
) -> str:
    """Return a ``style`` attribute value sanitized like a declaration block.

    Only declarations survive (nested rules and at-rules are dropped); the
    result is ``""`` when nothing is left.
    """
    walker = _CssWalker(base_url, resource_url, removed)
    nodes = tinycss2.parse_blocks_contents(text, skip_comments=True, skip_whitespace=True)
    kept: list[Any] = []
    for node in nodes:
        if isinstance(node, Declaration):
            decl = walker.declaration(node, "image")
            if decl is not None:
                kept.append(decl)
        else:
            walker.drop("rule-in-style-attr")
    return _seal(tinycss2.serialize(kept).rstrip(";"))


def _seal(css: str) -> str:
    # Inside strings ``\/`` and ``\!`` mean ``/`` and ``!``; elsewhere these
    # sequences are invalid CSS anyway. Belt and braces: the client builds
    # <style> with a text node, never through an HTML parser.
    if "<" in css:
        css = css.replace("</", "<\\/").replace("<!--", "<\\!--")
    return css


def css_string(value: str) -> str:
    """``value`` as a quoted CSS string that cannot end the string, the
    declaration or the ``<style>`` element it is written into."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return '"' + escaped.replace("\r", "\\d ").replace("\f", "\\c ").replace("<", "\\3c ") + '"'


def _url_node(value: str, line: int, column: int) -> FunctionBlock:
    return FunctionBlock(line, column, "url", [StringToken(line, column, value, css_string(value))])


def _banned(value: str) -> bool:
    if ":" not in value and "(" not in value:  # fast path: every banned text has one
        return False
    low = value.lower()
    return any(bad in low for bad in _BANNED_TEXT)


def _typed_attr(arguments: list[Any]) -> bool:
    """``attr(name url)`` / ``attr(name type(<url>))`` would load an attribute's raw URL."""
    for token in arguments:
        if token.type == "ident" and token.lower_value in ("url", "src"):
            return True
        if token.type == "function" and token.lower_name in ("type", "url", "src"):
            return True
    return False


class _CssWalker:
    """One sanitizing pass; holds the base URL, the rewriter and the counter."""

    __slots__ = ("_base", "_removed", "_resource_url")

    def __init__(
        self, base_url: str, resource_url: ResourceUrl, removed: Counter[str] | None
    ) -> None:
        self._base = base_url
        self._resource_url = resource_url
        self._removed = removed

    def drop(self, reason: str) -> None:
        if self._removed is not None:
            self._removed["css:" + reason] += 1

    def block(self, nodes: list[Any], *, top: bool = False, kind: str = "image") -> list[Any]:
        """Sanitize a rule list or block contents; returns the nodes to keep."""
        kept: list[Any] = []
        for node in nodes:
            if isinstance(node, Declaration):
                decl = self.declaration(node, kind)
                if decl is not None:
                    kept.append(decl)
            elif isinstance(node, QualifiedRule):
                if not self.prelude_ok(node.prelude):
                    self.drop("selector")
                    continue
                node.prelude = rewrite_state_selectors(node.prelude)  # :hover → .cb-hover
                rewrite_href_selectors(node.prelude)  # [href$=".pdf"] → [data-cobrowse-href…]
                content = self.block(tinycss2.parse_blocks_contents(node.content, True, True))
                if content:
                    node.content = content
                    kept.append(node)
            elif isinstance(node, AtRule):
                rule = self.at_rule(node, top)
                if rule is not None:
                    kept.append(rule)
            elif isinstance(node, ParseError):
                self.drop("parse-error")
        return kept

    def at_rule(self, rule: AtRule, top: bool) -> AtRule | None:
        name = rule.lower_at_keyword
        if name == "import" and top and rule.content is None:
            return self.import_rule(rule)
        if name == "layer" and rule.content is None and self.prelude_ok(rule.prelude):
            return rule
        if name in _BLOCK_AT_RULES and rule.content is not None and self.prelude_ok(rule.prelude):
            kind = "font" if name == "font-face" else "image"
            contents = tinycss2.parse_blocks_contents(rule.content, True, True)
            rule.content = self.block(contents, kind=kind)
            return rule
        self.drop("at-rule")
        return None

    def import_rule(self, rule: AtRule) -> AtRule | None:
        tokens = [t for t in rule.prelude if t.type not in ("whitespace", "comment")]
        if not tokens:
            return None
        first, rest = tokens[0], rule.prelude[rule.prelude.index(tokens[0]) + 1 :]
        raw: str | None = None
        if isinstance(first, (StringToken, URLToken)):
            raw = first.value
        elif isinstance(first, FunctionBlock) and first.lower_name in _URL_FUNCTIONS:
            raw = self.url_argument(first)
        new = None if raw is None else self.url(raw, "style")
        if new is None or new.startswith(("#", "data:")) or not self.prelude_ok(rest):
            self.drop("import")
            return None
        rule.prelude = [tinycss2.ast.WhitespaceToken(0, 0, " "), _url_node(new, 0, 0), *rest]
        return rule

    def declaration(self, decl: Declaration, kind: str) -> Declaration | None:
        name = decl.lower_name
        if name in _DROP_PROPERTIES:
            self.drop("binding")
            return None
        url_kind = "font" if kind == "font" and name == "src" else "image"
        value = self.tokens(decl.value, url_kind, image_fn=False)
        if value is None:
            return None
        while value and value[-1].type == "whitespace":
            value.pop()
        start = 0
        while start < len(value) and value[start].type == "whitespace":
            start += 1
        decl.value = value[start:]
        return decl

    def tokens(self, tokens: list[Any], kind: str, *, image_fn: bool) -> list[Any] | None:
        """Rewrite URLs in a component value list; None means drop the declaration."""
        out: list[Any] = []
        for token in tokens:
            ttype = token.type
            if ttype == "url" or (image_fn and ttype == "string"):
                new = self.url(token.value, kind)
                if new is None:
                    return None
                token = _url_node(new, token.source_line, token.source_column)
            elif ttype == "function":
                fname = token.lower_name
                if fname in _URL_FUNCTIONS:
                    raw = self.url_argument(token)
                    new = None if raw is None else self.url(raw, kind)
                    if new is None:
                        return None
                    token = _url_node(new, token.source_line, token.source_column)
                elif fname in _BANNED_FUNCTIONS or not _FUNCTION_NAME_CHARS.issuperset(fname):
                    self.drop("expression")
                    return None
                elif fname == "attr" and _typed_attr(token.arguments):
                    self.drop("attr-url")
                    return None
                else:
                    args = self.tokens(token.arguments, kind, image_fn=fname in _IMAGE_FUNCTIONS)
                    if args is None:
                        return None
                    token.arguments = args
            elif ttype in ("() block", "[] block", "{} block"):
                content = self.tokens(token.content, kind, image_fn=False)
                if content is None:
                    return None
                token.content = content
            elif ttype == "error":
                self.drop("parse-error")
                return None
            elif ttype in ("string", "ident") and (
                _banned(token.value) or token.value.lower() in _BANNED_IDENTS
            ):
                self.drop("javascript")
                return None
            out.append(token)
        return out

    def prelude_ok(self, tokens: list[Any]) -> bool:
        """A selector or at-rule prelude: no URLs, no '<', no script text."""
        for token in tokens:
            ttype = token.type
            if ttype in ("url", "error") or (ttype == "literal" and token.value == "<"):
                return False
            if ttype in ("string", "ident") and _banned(token.value):
                return False
            if ttype == "function":
                if token.lower_name in _URL_FUNCTIONS or token.lower_name in _BANNED_FUNCTIONS:
                    return False
                if not self.prelude_ok(token.arguments):
                    return False
            elif ttype in ("() block", "[] block", "{} block") and not self.prelude_ok(
                token.content
            ):
                return False
        return True

    @staticmethod
    def url_argument(function: FunctionBlock) -> str | None:
        args = [t for t in function.arguments if t.type not in ("whitespace", "comment")]
        if len(args) == 1 and isinstance(args[0], StringToken):
            return str(args[0].value)
        return None  # url() modifiers are not supported

    def url(self, raw: str, kind: str) -> str | None:
        """Relay URL for ``raw`` (or the same-document/data URL); None to drop."""
        value = raw.strip(_URL_STRIP).translate(_URL_REMOVE)
        if value.startswith("#"):
            return value
        if value[:5].lower() == "data:":
            if kind == "image" and small_data_image(value):
                return value
            self.drop("data-url")
            return None
        try:
            absolute = urljoin(self._base, value)
            scheme = urlsplit(absolute).scheme
        except ValueError:
            self.drop("bad-url")
            return None
        if scheme not in ("http", "https"):
            self.drop("url-scheme")
            return None
        new = self._resource_url(absolute, kind)
        if new is None:
            self.drop("url-refused")
        return new
