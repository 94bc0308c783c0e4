"""``<noscript>``: fallback content stays, JavaScript warnings and tracking pixels go.

The blocks below have the shapes found on real sites (German federal and
state portals, WordPress themes, single-page apps, analytics snippets),
written for these tests.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from cobrowse.pipeline import NO_RULES, PageRules, build_page

from .helpers import PAGE_URL, assert_safe, body_html, fake_resource_url, r


def _out(fragment: str, rules: PageRules | None = None) -> str:
    body = f"<!DOCTYPE html><html><body><p>Inhalt</p>{fragment}</body></html>".encode()
    page = build_page(body, None, PAGE_URL, fake_resource_url, rules)
    assert_safe(page.tree)
    return body_html(page).removeprefix("<p>Inhalt</p>")


WARNINGS = [
    pytest.param(
        '<noscript><p class="noscript-hinweis">JavaScript ist in Ihrem Browser ausgeschaltet. '
        "Einige Funktionen dieser Seite stehen dann nur eingeschränkt zur Verfügung.</p>"
        "</noscript>",
        id="german-off",
    ),
    pytest.param(
        "<noscript>Bitte aktivieren Sie JavaScript, um diese Seite vollständig zu nutzen."
        "</noscript>",
        id="german-please-enable",
    ),
    pytest.param(
        '<noscript><div class="alert alert-warning"><strong>Hinweis:</strong> Für die volle '
        "Funktionalität dieser Seite ist es notwendig, JavaScript zu aktivieren. Hier finden "
        'Sie die <a href="https://www.enable-javascript.com/de/">Anleitungen, wie Sie '
        "JavaScript in Ihrem Browser aktivieren</a>.</div></noscript>",
        id="german-with-help-link",
    ),
    pytest.param(
        "<noscript>You need to enable JavaScript to run this app.</noscript>",
        id="english-spa",
    ),
    pytest.param(
        '<noscript>Please enable JavaScript to view the <a href="https://disqus.com/?ref_'
        'noscript">comments powered by Disqus.</a></noscript>',
        id="english-comments",
    ),
    pytest.param(
        "<noscript><h2>JavaScript deaktiviert</h2><p>Diese Anwendung benötigt JavaScript."
        "</p></noscript>",
        id="german-heading",
    ),
]


@pytest.mark.parametrize("html", WARNINGS)
def test_javascript_warnings_are_dropped(html: str) -> None:
    assert _out(html).strip() == ""


def test_the_switch_keeps_them() -> None:
    html = str(WARNINGS[0].values[0])
    out = _out(html, replace(NO_RULES, drop_noscript_warnings=False))
    assert "JavaScript ist in Ihrem Browser ausgeschaltet" in out


FALLBACKS = [
    pytest.param(
        '<noscript><img src="/karte.png" alt="Karte der Standorte"></noscript>',
        ['alt="Karte der Standorte"'],
        id="image",
    ),
    pytest.param(
        "<noscript><ul><li><a href='/themen'>Themen</a></li><li><a href='/service'>Service</a>"
        "</li></ul><p>Ohne JavaScript ist das Menü nicht aufklappbar.</p></noscript>",
        ["Themen", "Service"],
        id="menu-with-a-warning",
    ),
    pytest.param(
        "<noscript>Die interaktive Karte zeigt alle Bürgerämter: Berlin-Mitte, Bonn, "
        "Demostadt.</noscript>",
        ["Berlin-Mitte, Bonn"],
        id="text-alternative",
    ),
    pytest.param(
        "<noscript><table><tr><th>Ort</th><th>Öffnungszeiten</th></tr><tr><td>Bonn</td>"
        "<td>8–16 Uhr</td></tr></table></noscript>",
        ["Öffnungszeiten"],
        id="table",
    ),
]


@pytest.mark.parametrize(("html", "kept"), FALLBACKS)
def test_fallback_content_is_kept(html: str, kept: list[str]) -> None:
    out = _out(html)
    for text in kept:
        assert text in out
    assert "JavaScript" not in out


PIXELS = [
    pytest.param(
        '<noscript><img height="1" width="1" style="display:none" '
        'src="https://www.facebook.com/tr?id=1234&amp;ev=PageView&amp;noscript=1"/></noscript>',
        id="facebook",
    ),
    pytest.param(
        '<noscript><p><img referrerpolicy="no-referrer-when-downgrade" '
        'src="https://example.org/matomo.php?idsite=1&amp;rec=1" style="border:0;" alt="" />'
        "</p></noscript>",
        id="matomo-first-party",
    ),
    pytest.param(
        '<noscript><img src="https://vg01.met.vgwort.de/na/0123456789abcdef" alt=""></noscript>',
        id="vg-wort",
    ),
    pytest.param(
        '<noscript><img src="https://example.org/piwik/piwik.php?idsite=3" alt=""></noscript>',
        id="piwik",
    ),
    pytest.param(
        '<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-ABCD" height="0"'
        ' width="0" style="display:none;visibility:hidden"></iframe></noscript>',
        id="tag-manager",
    ),
]


@pytest.mark.parametrize("html", PIXELS)
@pytest.mark.parametrize("warnings", [True, False])
def test_tracking_pixels_stay_gone(html: str, warnings: bool) -> None:
    """Even with warnings kept: the relay must never count as a visitor."""
    rules = replace(NO_RULES, drop_noscript_warnings=warnings)
    body = f"<!DOCTYPE html><html><body>{html}</body></html>".encode()
    asked: list[str] = []
    page = build_page(body, None, PAGE_URL, lambda url, kind: asked.append(url) or "/r/x", rules)
    assert asked == []
    assert "img" not in str(page.tree) and "iframe" not in str(page.tree)


def test_a_fallback_copy_of_a_lazy_image_is_not_shown_twice() -> None:
    html = (
        '<img class="lazyload" data-src="/foto.jpg" alt="Foto">'
        '<noscript><img src="/foto.jpg" alt="Foto"></noscript>'
        "<noscript><style>.lazyload{display:none}</style></noscript>"
    )
    out = _out(html)
    assert out.count("<img") == 1 and "foto.jpg" in out
    assert "display:none" not in out
    # Without lazy promotion the fallback is the only real image: it stays.
    kept = _out(html, replace(NO_RULES, promote_lazy_images=False))
    assert kept.count("<img") == 2 and f'src="{r("https://example.org/foto.jpg")}"' in kept


def test_long_text_about_javascript_is_content() -> None:
    text = "JavaScript ist eine Programmiersprache, die man aktivieren kann. " * 12
    assert "Programmiersprache" in _out(f"<noscript><p>{text}</p></noscript>")
