"""``cobrowse audit URL``: what the mirror drops or cannot make work, page by page.

For operators setting up a host: starting at ``URL``, fetch up to N pages of
that host through the relay's own :class:`~cobrowse.fetch.Fetcher` (the
allowlist and SSRF checks apply; links to the same host are followed), run
each through the real pipeline with the configured rules, and report per page:

* scripts (never run in the mirror), iframes and embedded videos (dropped),
* forms that POST (shown disabled unless ``allow_post_forms``),
* elements that look like script-driven widgets but match no preset and no
  ``[[rules.widgets]]`` rule, each with a suggested TOML snippet where the
  markup names a target (``aria-controls``, ``data-target``, ``href="#id"``)
  or has a sibling to open,
* which built-in presets matched.

The report never contains page text, only element names, classes, ids and
addresses; it is meant for the operator's own terminal.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Final
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml.etree import _Element as Element

from cobrowse.config import Config
from cobrowse.errors import FetchError
from cobrowse.fetch import Fetcher, check_allowed, normalize_url
from cobrowse.pipeline import build_page, rules_for
from cobrowse.pipeline.parse import parse_html
from cobrowse.pipeline.selectors import select
from cobrowse.pipeline.site_rules import PageRules, strip_page_marks
from cobrowse.pipeline.widget_rules import WIDGET_ATTR

__all__ = ["PageReport", "WidgetFinding", "audit_site", "format_json", "format_text", "run"]

_VIDEO_HOSTS: Final = (
    "youtube.com",
    "youtube-nocookie.com",
    "youtu.be",
    "vimeo.com",
    "dailymotion.com",
)
# Markup that usually means a script opens or closes something on click.
_WIDGET_LIKE: Final = (
    "[aria-expanded], [aria-haspopup], [data-toggle], [data-bs-toggle], "
    "[class*=toggle], [class*=burger], [class*=hamburger], [class*=accordion] > button, "
    "[class*=accordion-head], [class*=menu-btn], [class*=menu-button], [class*=nav-btn]"
)
_NAMING: Final = ("aria-controls", "data-bs-target", "data-target", "href")
_MAX_WIDGETS: Final = 20


@dataclass(slots=True)
class WidgetFinding:
    """A kind of element that looks like a widget but has no preset or rule."""

    trigger: str
    count: int
    suggestion: str


@dataclass(slots=True)
class PageReport:
    """What the mirror does not show or cannot make work on one page."""

    url: str
    error: str = ""
    scripts: int = 0
    iframes: list[str] = field(default_factory=list)
    videos: list[str] = field(default_factory=list)
    post_forms: list[str] = field(default_factory=list)
    widgets: list[WidgetFinding] = field(default_factory=list)
    presets: dict[str, int] = field(default_factory=dict)


def _selector_of(el: Element) -> str:
    """A CSS selector for elements like ``el``: its tag and first class (or id)."""
    tag = str(el.tag)
    classes = [c for c in (el.get("class") or "").split() if re.fullmatch(r"-?[A-Za-z_][\w-]*", c)]
    if classes:
        return f"{tag}.{classes[0]}"
    dom_id = el.get("id") or ""
    return f"{tag}#{dom_id}" if re.fullmatch(r"[A-Za-z][\w-]*", dom_id) else tag


def _suggest(el: Element, trigger: str) -> str:
    """A ``[[rules.widgets]]`` table for triggers like ``el`` ("" when nothing fits)."""
    if trigger == str(el.tag):
        return ""  # a bare tag name would catch every such element
    names = any((el.get(a) or "").startswith("#") if a == "href" else el.get(a) for a in _NAMING)
    if names:
        target = "named"
    elif el.getnext() is not None:
        target = "next"
    else:
        return ""
    lines = ["[[rules.widgets]]", f"trigger = {json.dumps(trigger)}", f'target = "{target}"']
    lines.append('toggle_class = "is-open"  # the class the site\'s CSS shows it with')
    return "\n".join(lines)


def _scan(body: bytes, content_type: str | None, url: str, rules: PageRules) -> PageReport:
    report = PageReport(url)
    root = parse_html(body, content_type)
    report.scripts = len(select("script", root))
    for frame in select("iframe[src], embed[src], object[data]", root):
        src = urljoin(url, (frame.get("src") or frame.get("data") or "").strip())
        host = (urlsplit(src).hostname or "").lower()
        kind = report.videos if host.endswith(_VIDEO_HOSTS) else report.iframes
        kind.append(src)
    for form in select("form", root):
        if (form.get("method") or "get").strip().lower() == "post" and not rules.allow_post_forms:
            report.post_forms.append(urljoin(url, (form.get("action") or "").strip()) or url)
    strip_page_marks(root)
    marked: Counter[str] = Counter()
    rules.apply(root, marked)
    report.presets = {k.split(":", 1)[1]: n for k, n in marked.items() if k.startswith("preset:")}
    found: dict[str, WidgetFinding] = {}
    for el in select(_WIDGET_LIKE, root):
        if el.get(WIDGET_ATTR) is not None or el.tag in ("summary", "details", "html", "body"):
            continue
        if any(a.get(WIDGET_ATTR) is not None for a in el.iterancestors()):
            continue  # inside a trigger the relay handles
        href = (el.get("href") or "").strip()
        if el.tag == "a" and href and not href.startswith(("#", "javascript:")):
            continue  # a link that goes somewhere (hover menus are CSS, handled)
        trigger = _selector_of(el)
        if trigger in found:
            found[trigger].count += 1
        elif len(found) < _MAX_WIDGETS:
            found[trigger] = WidgetFinding(trigger, 1, _suggest(el, trigger))
    report.widgets = list(found.values())
    return report


def _links(body: bytes, content_type: str | None, url: str) -> list[str]:
    """Same-host http(s) links of a page, absolute and without fragment."""
    here = urlsplit(url)
    out = []
    for a in select("a[href]", parse_html(body, content_type)):
        link = urldefrag(urljoin(url, (a.get("href") or "").strip())).url
        parts = urlsplit(link)
        if parts.scheme in ("http", "https") and parts.netloc == here.netloc:
            out.append(link)
    return out


async def audit_site(config: Config, start: str, max_pages: int) -> list[PageReport]:
    """Audit up to ``max_pages`` pages of ``start``'s host, breadth first.

    Raises :class:`FetchError` when ``start`` itself is not an allowed address.
    """
    first = normalize_url(start)
    check_allowed(config.fetch, first)
    fetcher = Fetcher(config.fetch)
    queue, seen = [first], {first}
    reports: list[PageReport] = []
    try:
        while queue and len(reports) < max_pages:
            url = queue.pop(0)
            try:
                result = await fetcher.fetch(
                    url,
                    max_bytes=config.fetch.max_page_bytes,
                    accept="text/html,application/xhtml+xml",
                    read_body_for=("text/html", "application/xhtml+xml"),
                )
            except FetchError as exc:
                reports.append(PageReport(url, error=exc.kind))
                continue
            if not result.body_read:
                continue  # a download, not a page
            rules = rules_for(config.rules, result.url)
            # The real pipeline too: it must not fail on the page.
            build_page(result.body, result.content_type, result.url, lambda u, k: u, rules)
            reports.append(_scan(result.body, result.content_type, result.url, rules))
            for link in _links(result.body, result.content_type, result.url):
                if link not in seen:
                    seen.add(link)
                    queue.append(link)
    finally:
        await fetcher.close()
    return reports


def run(config: Config, start: str, max_pages: int) -> list[PageReport]:
    """:func:`audit_site` from synchronous code (the command line)."""
    return asyncio.run(audit_site(config, start, max_pages))


def format_json(reports: list[PageReport]) -> str:
    """The reports as one JSON document (``{"pages": [...]}``) for tools."""
    return json.dumps({"pages": [asdict(r) for r in reports]}, indent=2, ensure_ascii=False)


def format_text(reports: list[PageReport]) -> str:
    """The reports for a terminal: one block per page, suggestions as TOML."""
    out: list[str] = []
    for report in reports:
        out.append(f"== {report.url}")
        if report.error:
            out.append(f"   not fetched: {report.error}")
            continue
        out.append(f"   scripts removed: {report.scripts} (never run in the mirror)")
        for src in report.iframes:
            out.append(f"   iframe removed: {src}")
        for src in report.videos:
            out.append(f"   embedded video removed: {src}")
        for action in report.post_forms:
            out.append(f"   POST form shown disabled: {action} (allow_post_forms = true sends it)")
        if report.presets:
            used = ", ".join(f"{name} ({n})" for name, n in sorted(report.presets.items()))
            out.append(f"   widgets handled by presets: {used}")
        for widget in report.widgets:
            out.append(f"   widget without preset or rule: {widget.trigger} ({widget.count}x)")
            if widget.suggestion:
                out.append("     suggested rule (under the host's [[rules]]):")
                out.extend("       " + line for line in widget.suggestion.splitlines())
        if not (report.iframes or report.videos or report.post_forms or report.widgets):
            out.append("   nothing else the mirror cannot show or emulate")
    out.append(f"{len(reports)} page(s) audited.")
    return "\n".join(out)
