"""The fidelity benchmark's pure helpers (no browser runs here)."""

from __future__ import annotations

from bench.fidelity import _intended, _kept


def test_words_kept_counts_each_word_as_often_as_it_was_there() -> None:
    assert _kept([], ["x"]) == 1.0
    assert _kept(["a", "b", "a", "c"], ["a", "c", "c"]) == 0.5


def test_intended_removals_name_the_banner_and_the_warning_once() -> None:
    body = (
        b"<html><body><noscript><p>JavaScript ist deaktiviert.</p></noscript>"
        b"<main><p>Inhalt</p><noscript><img src='/karte.png' alt='Karte'></noscript></main>"
        b"<div id='cookie-banner' class='cookie-banner' role='dialog'><p>Wir nutzen Cookies."
        b"</p><button>Alle akzeptieren</button></div></body></html>"
    )
    assert _intended(body) == [
        ("noscript", "", "", 0),
        ("div", "cookie-banner", "cookie-banner", 0),
    ]
