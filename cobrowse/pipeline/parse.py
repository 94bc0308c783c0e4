"""Bytes to an lxml HTML tree, with the right character set.

Encoding precedence (close to what browsers do): a byte-order mark, then the
Content-Type header's ``charset``, then ``<meta charset>`` / ``http-equiv``
near the start of the document, then strict UTF-8, then
:class:`bs4.UnicodeDammit`'s guess. Labels are resolved with the WHATWG
table (``latin1`` means windows-1252), so pages decode as browsers show them.
"""

from __future__ import annotations

import codecs
import re
import threading
from typing import Final

import webencodings
from bs4.dammit import UnicodeDammit
from lxml import etree

__all__ = ["decode_html", "parse_html"]

# How far to look for <meta charset>; browsers scan 1024 bytes, but many pages
# put comments or scripts first and are still decoded right by a later pass.
_PRESCAN_BYTES: Final = 8192
_META_CHARSET: Final = re.compile(
    rb"<meta\s[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:\-]+)", re.IGNORECASE
)
_XML_DECLARATION: Final = re.compile(r"\A\s*<\?xml[^>]*>")
_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_EMPTY_DOCUMENT: Final = "<html></html>"

# lxml parsers must not be shared between threads; build_page may run in an
# executor, so every thread gets its own.
_local = threading.local()


def _parser(utf8: bool = False) -> etree.HTMLParser:
    # The plain etree parser, not lxml.html's: its per-element Python class
    # lookup costs ~15 % of the sanitizing walk and the walk needs none of it.
    name = "utf8_parser" if utf8 else "parser"
    parser: etree.HTMLParser | None = getattr(_local, name, None)
    if parser is None:
        parser = etree.HTMLParser(
            remove_comments=True,
            remove_pis=True,
            no_network=True,
            encoding="utf-8" if utf8 else None,
        )
        setattr(_local, name, parser)
    return parser


def _codec(label: str | bytes | None) -> str | None:
    """Python codec name for a WHATWG encoding label, or None if unknown."""
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    encoding = webencodings.lookup(label.strip().strip("\"'"))
    if encoding is None or encoding.name == "replacement":
        return None
    try:
        return codecs.lookup(encoding.codec_info.name).name
    except LookupError:
        return None


def _header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return _codec(value)
    return None


def _meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body, 0, _PRESCAN_BYTES)
    codec = _codec(match.group(1)) if match else None
    # A document that could say "utf-16" in ASCII bytes is not UTF-16 (WHATWG).
    if codec is not None and codec.startswith("utf-16"):
        return "utf-8"
    return codec


def _utf8_body(body: bytes, content_type: str | None) -> bytes | None:
    """``body`` without BOM if it is to be read as UTF-8 and is valid UTF-8, else None.

    Valid UTF-8 is handed to libxml2 as bytes with the encoding fixed (it then
    ignores ``<meta charset>``): about a fifth faster than parsing a str.
    """
    if body.startswith(codecs.BOM_UTF8):
        body = body[3:]
    elif body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    else:
        codec = _header_charset(content_type) or _meta_charset(body)
        if codec not in (None, "utf-8"):
            return None
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return body


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode an HTML response body to text; never raises.

    Bad byte sequences become U+FFFD; a leading BOM is removed.
    """
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(bom_codec, "replace")
    codec = _header_charset(content_type) or _meta_charset(body)
    if codec is not None:
        return body.decode(codec, "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    guess: str | None = UnicodeDammit(body, is_html=True).unicode_markup
    return guess if guess is not None else body.decode("windows-1252", "replace")


def _parse(body: bytes, content_type: str | None) -> etree._Element | None:
    utf8 = _utf8_body(body, content_type)
    if utf8 is not None:
        if utf8.strip():
            return etree.fromstring(utf8, _parser(utf8=True))  # NUL becomes U+FFFD
        return None
    text = decode_html(body, content_type)
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if text.startswith("\ufeff"):
        text = text[1:]
    # lxml refuses str input that declares an encoding; the text is decoded already.
    if "<?xml" in text[:512]:
        text = _XML_DECLARATION.sub("", text, count=1)
    return etree.fromstring(text, _parser())


def parse_html(body: bytes, content_type: str | None = None) -> etree._Element:
    """Parse an HTML response body into a tree rooted at ``<html>``.

    The root's first child is ``<head>`` and it has a ``<body>`` (inserted
    when missing, e.g. for empty documents or framesets). Comments and
    processing instructions are already gone. Plain ``lxml.etree`` elements
    (lxml's HTML parser, libxml2), not ``lxml.html`` ones. Never raises.
    """
    try:
        root = _parse(body, content_type)
    except (etree.ParserError, ValueError):
        root = None
    if root is None or root.tag != "html":
        root = etree.fromstring(_EMPTY_DOCUMENT, _parser())
    # One look at the root's few children (what find() would do, minus
    # ElementPath's cost, which is noticeable on small pages).
    tags = [child.tag for child in root]
    if "head" not in tags:
        root.insert(0, root.makeelement("head"))
    if "body" not in tags:
        root.append(root.makeelement("body"))
    return root
