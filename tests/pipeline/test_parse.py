"""Bytes → lxml tree: charset precedence and odd documents."""

from __future__ import annotations

import codecs

import pytest

from cobrowse.pipeline.parse import decode_html, parse_html

UMLAUTS = "Grüße aus Köln – Straße"


def _text(body: bytes, content_type: str | None = None) -> str:
    return "".join(str(t) for t in parse_html(body, content_type).itertext())


def test_header_charset_is_used() -> None:
    body = f"<p>{UMLAUTS}</p>".encode("iso-8859-15", "replace")
    assert "Grüße aus Köln" in _text(body, "text/html; charset=ISO-8859-15")


def test_header_charset_beats_meta() -> None:
    body = '<meta charset="utf-8"><p>Köln</p>'.encode("cp1252")
    assert "Köln" in _text(body, 'text/html; Charset="windows-1252"')


def test_meta_charset_when_header_has_none() -> None:
    body = '<html><head><meta charset="windows-1252"></head><p>Köln €</p>'.encode("cp1252")
    assert "Köln €" in _text(body, "text/html")


def test_meta_http_equiv_charset() -> None:
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
    body = f"<head>{meta}</head><p>Köln</p>".encode("latin-1")
    assert "Köln" in _text(body, None)


def test_latin1_label_means_windows_1252() -> None:
    # WHATWG: "iso-8859-1" decodes as windows-1252, so 0x80 is the euro sign.
    assert "€" in decode_html(b"<p>\x80</p>", "text/html; charset=iso-8859-1")


def test_unknown_header_label_falls_back() -> None:
    body = "<p>Köln</p>".encode()
    assert "Köln" in _text(body, "text/html; charset=no-such-charset")


def test_utf8_without_any_declaration() -> None:
    assert UMLAUTS in _text(f"<p>{UMLAUTS}</p>".encode(), None)


def test_undeclared_legacy_bytes_are_guessed() -> None:
    text = "Die Straße führt über die Brücke zum Rathaus. " * 20
    body = f"<p>{text}</p>".encode("cp1252")
    decoded = decode_html(body, None)
    assert "Straße führt über die Brücke" in decoded


def test_utf8_bom_wins_over_header() -> None:
    body = codecs.BOM_UTF8 + "<p>Köln</p>".encode()
    root = parse_html(body, "text/html; charset=windows-1252")
    assert "".join(str(t) for t in root.itertext()) == "Köln"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    assert "Köln" in _text(bom + "<p>Köln</p>".encode(codec), None)


def test_meta_claiming_utf16_means_utf8() -> None:
    body = '<meta charset="utf-16"><p>Köln</p>'.encode()
    assert "Köln" in _text(body, None)


def test_invalid_bytes_become_replacement_characters() -> None:
    assert "\ufffd" in decode_html(b"<p>\xff\xfe\xfa ok</p>", "text/html; charset=utf-8")


@pytest.mark.parametrize("body", [b"", b"   \n", b"<!-- only a comment -->", b"\x00"])
def test_empty_documents_get_html_head_body(body: bytes) -> None:
    root = parse_html(body, "text/html")
    assert root.tag == "html"
    assert [child.tag for child in root] == ["head", "body"]


def test_head_and_body_are_inserted() -> None:
    root = parse_html(b"<p>x</p>")
    assert [child.tag for child in root] == ["head", "body"]
    assert root.find("body/p") is not None


def test_frameset_document_still_has_body() -> None:
    root = parse_html(b"<frameset><frame src=a></frameset>")
    assert root.find("head") is not None and root.find("body") is not None


def test_xml_declaration_with_encoding_is_accepted() -> None:
    body = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<html><body><p>K\xf6ln</p></body></html>'
    assert "Köln" in _text(body, None)


def test_nul_bytes_do_not_truncate() -> None:
    text = _text(b"<p>before\x00after</p><p>next</p>")
    assert "before\ufffdafter" in text and "next" in text


def test_comments_and_processing_instructions_are_gone() -> None:
    root = parse_html(b"<p>a<!-- secret -->b<?php echo 1 ?>c</p>")
    assert root.find("body/p").text == "abc"  # type: ignore[union-attr]


def test_utf8_header_beats_a_legacy_meta_on_the_fast_path() -> None:
    body = '<meta charset="windows-1252"><p>Köln €</p>'.encode()
    assert "Köln €" in _text(body, "text/html; charset=utf-8")
    assert "Köln €" in _text(b"\xef\xbb\xbf" + body)  # BOM


def test_invalid_utf8_is_not_handed_to_libxml2_as_utf8() -> None:
    body = "<p>Köln</p><p>danach</p>".encode("cp1252")
    text = _text(body, "text/html; charset=utf-8")
    assert "danach" in text and "K\ufffdln" in text  # nothing cut off after the bad byte
