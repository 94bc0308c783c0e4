"""The relay's own pages that anyone may open without a session: every test
that walks them (accessibility, footer, languages) walks the same list."""

from __future__ import annotations

PUBLIC_PAGES = [
    "/",
    "/hilfe",
    "/leichte-sprache",
    "/barrierefreiheit",
    "/impressum",
    "/datenschutz",
    "/berater",
    "/link",
    "/gibt-es-nicht",
]
