"""``fidelity``: does a page look in the mirror as it does without its scripts?

Each corpus page (served by a local static server) and each demo page is
rendered in real Chromium twice, at 1280×800 and at 390×844 (two citizens in
one session): (a) directly, scripts off, nothing fetched from outside the
machine, in a viewport the size of the citizen's mirror; (b) in that
citizen's mirror, with no ``[[rules]]``. Per page and as medians:

* words kept: the share of the visible words of (a) (``innerText``, as a
  multiset) that (b) shows;
* images: the share of the images that render in (a) that render in (b);
* SSIM of the two screenshots (grey, scaled to 256 px wide, 8×8 windows),
  computed in the browser (no image library needed);
* elements lost: visible elements of (a) missing in (b), by tag.

Targets (issue 20): median words kept ≥ 99 %, images ≥ 98 %, median SSIM
≥ 0.95. The worst pages are listed with what they lost. ``--quick`` takes
12 corpus pages and the demo tour.
"""

from __future__ import annotations

import asyncio
import base64
import statistics
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from lxml import etree

from bench.harness.corpus import load_pages
from bench.harness.demo_pages import TOUR
from bench.harness.outcome import Check, Outcome, Table
from bench.harness.procs import start_relay
from cobrowse.pipeline import NO_RULES, parse_html
from cobrowse.pipeline.consent import remove_consent_banners
from cobrowse.pipeline.noscript import clean_noscript

__all__ = ["run"]

VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
CONFIG = """
[sessions]
confirm_join = false
join_policy = "open"
max_participants = 4

[fetch]
allowed_hosts = ["127.0.0.1:{port}"]
private_hosts = ["127.0.0.1:{port}"]
"""
MEASURE = """() => {
  const body = document.body;
  const words = body ? body.innerText.split(/\\s+/).filter(Boolean) : [];
  const shown = (el) =>
    el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const images = [...document.images]
    .filter((i) => shown(i) && i.getBoundingClientRect().width > 1);
  const tags = {};
  for (const el of body ? body.querySelectorAll("*") : []) {
    const tag = el.localName.replace(/^svg:/, "");
    if (shown(el)) tags[tag] = (tags[tag] || 0) + 1;
  }
  const rendered = images.filter((i) => i.complete && i.naturalWidth > 0).length;
  return {words, images: images.length, rendered, tags};
}"""
# Take out of the scripts-off page what the relay leaves out on purpose (see _intended).
REMOVE = """(items) => {
  const found = items.map(([tag, id, cls, n]) => document.querySelectorAll(tag)[n])
    .filter((el, k) => el && (el.id || "") === items[k][1]
      && (el.getAttribute("class") || "") === items[k][2]);
  for (const el of found) el.remove();
  return found.length;
}"""
IMAGES_DONE = "() => [...document.images].every((i) => i.complete)"
# Mean SSIM of two screenshots (data: URLs) over their common area, grey, 256 px
# wide, 8×8 windows, stride 4.
SSIM = """async ([a, b]) => {
  const load = (src) => new Promise((ok, fail) => {
    const i = new Image(); i.onload = () => ok(i); i.onerror = fail; i.src = src;
  });
  const [ia, ib] = await Promise.all([load(a), load(b)]);
  // The common area only (the mirror may be a few pixels shorter than the viewport).
  const cw = Math.min(ia.width, ib.width), ch = Math.min(ia.height, ib.height);
  const w = 256, h = Math.max(8, Math.round(256 * ch / cw));
  const grey = (img) => {
    const c = document.createElement("canvas"); c.width = w; c.height = h;
    const g = c.getContext("2d"); g.drawImage(img, 0, 0, cw, ch, 0, 0, w, h);
    const d = g.getImageData(0, 0, w, h).data, out = new Float64Array(w * h);
    for (let p = 0; p < w * h; p++) {
      out[p] = 0.299 * d[4 * p] + 0.587 * d[4 * p + 1] + 0.114 * d[4 * p + 2];
    }
    return out;
  };
  const x = grey(ia), y = grey(ib), c1 = (0.01 * 255) ** 2, c2 = (0.03 * 255) ** 2;
  let sum = 0, n = 0;
  for (let top = 0; top + 8 <= h; top += 4) {
    for (let left = 0; left + 8 <= w; left += 4) {
      let mx = 0, my = 0, vx = 0, vy = 0, cov = 0;
      for (let r = 0; r < 8; r++) {
        for (let c = 0; c < 8; c++) {
          const k = (top + r) * w + left + c; mx += x[k]; my += y[k];
        }
      }
      mx /= 64; my /= 64;
      for (let r = 0; r < 8; r++) {
        for (let c = 0; c < 8; c++) {
          const k = (top + r) * w + left + c, dx = x[k] - mx, dy = y[k] - my;
          vx += dx * dx; vy += dy * dy; cov += dx * dy;
        }
      }
      vx /= 63; vy /= 63; cov /= 63;
      sum += ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
      n++;
    }
  }
  return sum / n;
}"""


@dataclass
class PageResult:
    name: str
    viewport: str
    words: float = float("nan")
    images: float = float("nan")
    ssim: float = float("nan")
    # against (a) with the relay's intended removals applied (banner, JavaScript warning)
    words_intended: float = float("nan")
    ssim_intended: float = float("nan")
    lost: Counter[str] = field(default_factory=Counter)
    note: str = ""


@contextmanager
def _static_server(pages: dict[str, bytes]) -> Iterator[int]:
    """Serve ``/corpus/<name>.html`` on a free loopback port in a thread."""

    async def serve(request: web.Request) -> web.Response:
        body = pages.get(request.match_info["name"])
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(body=body, content_type="text/html")

    app = web.Application()
    app.router.add_get("/corpus/{name}.html", serve)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.run_until_complete(runner.cleanup())
        loop.close()


def _kept(before: list[str], after: list[str]) -> float:
    if not before:
        return 1.0
    return sum((Counter(before) & Counter(after)).values()) / len(before)


def _settle(frame: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if frame.evaluate(IMAGES_DONE):
                break
        except Exception:  # the mirror is being rebuilt: ask again
            pass
        time.sleep(0.1)
    time.sleep(0.3)  # fonts and layout after the last image


def _measure(quick: bool) -> tuple[list[PageResult], str]:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.e2e.journey import advisor_login, citizen_join, mirror, navigate

    corpus = load_pages(12 if quick else None)
    tour = list(dict.fromkeys(TOUR))
    results: list[PageResult] = []
    with (
        _static_server({p.name: p.body for p in corpus}) as port,
        tempfile.TemporaryDirectory() as tmp,
    ):
        config = Path(tmp) / "relay.toml"
        config.write_text(CONFIG.format(port=port))
        with start_relay("--config", str(config)) as relay, sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                advisor, code = advisor_login(
                    browser.new_context(viewport={"width": 1600, "height": 1000}),
                    relay,  # type: ignore[arg-type]
                )
                citizens = {
                    name: citizen_join(
                        browser.new_context(viewport={"width": w, "height": h}),
                        relay,  # type: ignore[arg-type]
                        code,
                    )
                    for name, (w, h) in VIEWPORTS.items()
                }
                direct = {}
                for name, citizen in citizens.items():
                    box = _inner_box(citizen)
                    size = {"width": int(box["width"]), "height": int(box["height"])}
                    ctx = browser.new_context(viewport=size, java_script_enabled=False)
                    ctx.route("**/*", _local_only)
                    direct[name] = ctx.new_page()
                helper = browser.new_context().new_page()
                targets = [
                    (p.name, f"http://127.0.0.1:{port}/corpus/{p.name}.html") for p in corpus
                ]
                targets += [("demo" + path, relay.demo + path) for path in tour]
                previous = ""
                for name, url in targets:
                    expected = _render_direct(direct, url)
                    with urllib.request.urlopen(url, timeout=15) as response:
                        expected["removals"] = _intended(response.read())
                    navigate(advisor, url)
                    for view, citizen in citizens.items():
                        results.append(
                            _compare(
                                name,
                                view,
                                citizen,
                                direct[view],
                                expected,
                                previous,
                                helper,
                                mirror,
                            )
                        )
                    previous = expected.get("title", "")
                version = browser.version
            finally:
                browser.close()
    return results, version


def _inner_box(citizen: Any) -> dict[str, float]:
    """Where the mirror's page is drawn on the citizen's screen: the iframe
    without its border (a one-pixel shift alone would ruin the SSIM)."""
    frame = citizen.get_by_test_id("mirror")
    box = frame.bounding_box()
    assert box is not None
    left, top, width, height = frame.evaluate(
        "el => [el.clientLeft, el.clientTop, el.clientWidth, el.clientHeight]"
    )
    return {"x": box["x"] + left, "y": box["y"] + top, "width": width, "height": height}


def _local_only(route: Any) -> None:
    host = urlsplit(route.request.url).hostname
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


def _render_direct(direct: dict[str, Any], url: str) -> dict[str, Any]:
    titles: dict[str, Any] = {}
    for page in direct.values():
        try:
            page.goto(url, wait_until="load", timeout=15000)
        except Exception:
            page.goto("about:blank")
        titles["title"] = page.title()
    return titles


def _compare(
    name: str,
    view: str,
    citizen: Any,
    direct: Any,
    expected: dict[str, Any],
    previous: str,
    helper: Any,
    mirror: Any,
) -> PageResult:
    result = PageResult(name, view)
    title = expected.get("title", "")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the new page has arrived in this mirror
        try:
            now = mirror(citizen).title()
        except Exception:
            now = ""
        if (title and now == title) or (not title and now != previous):
            break
        time.sleep(0.1)
    else:
        result.note = "did not arrive"
        return result
    frame = mirror(citizen)
    _settle(frame)
    _settle(direct.main_frame)
    before, after = direct.evaluate(MEASURE), frame.evaluate(MEASURE)
    result.words = _kept(before["words"], after["words"])
    result.images = min(1.0, after["rendered"] / before["rendered"]) if before["rendered"] else 1.0
    lost = Counter(before["tags"]) - Counter(after["tags"])
    result.lost = lost
    shot_a = direct.screenshot(type="png")
    shot_b = citizen.screenshot(type="png", clip=_inner_box(citizen))
    urls = ["data:image/png;base64," + base64.b64encode(s).decode() for s in (shot_a, shot_b)]
    result.ssim = float(helper.evaluate(SSIM, urls))
    if expected["removals"] and direct.evaluate(REMOVE, expected["removals"]):
        time.sleep(0.2)
        before = direct.evaluate(MEASURE)
        shot_a = direct.screenshot(type="png")
        urls[0] = "data:image/png;base64," + base64.b64encode(shot_a).decode()
        result.ssim_intended = float(helper.evaluate(SSIM, urls))
        result.words_intended = _kept(before["words"], after["words"])
    else:
        result.ssim_intended, result.words_intended = result.ssim, result.words
    return result


def _intended(body: bytes) -> list[tuple[str, str, str, int]]:
    """What the relay leaves out of this page on purpose (consent banners, JavaScript
    warnings in <noscript>), as (tag, id, class, index among the tag's elements),
    outermost elements only."""
    root = parse_html(body)
    keys: dict[int, tuple[str, str, str, int]] = {}
    parent_of: dict[int, int] = {}
    seen: Counter[str] = Counter()
    for number, el in enumerate(root.iter(etree.Element)):
        tag = str(el.tag)
        keys[number] = (tag, el.get("id") or "", el.get("class") or "", seen[tag])
        seen[tag] += 1
        el.set("data-fidelity", str(number))
        parent = el.getparent()
        parent_of[number] = int(parent.get("data-fidelity") or -1) if parent is not None else -1
    remove_consent_banners(root, Counter())
    clean_noscript(root, Counter(), lazy_names=NO_RULES.lazy_src + NO_RULES.lazy_srcset)
    left = {int(el.get("data-fidelity") or -1) for el in root.iter(etree.Element)}
    gone = set(keys) - left
    return [keys[n] for n in sorted(gone) if parent_of[n] not in gone]


def _median(values: list[float]) -> float:
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def run(quick: bool) -> Outcome:
    out = Outcome("fidelity")
    from tests.e2e.conftest import CHROMIUM

    if not Path(CHROMIUM).exists():
        out.available = False
        out.notes.append(f"Chromium not found at {CHROMIUM} (set COBROWSE_CHROMIUM): skipped")
        return out
    results, version = _measure(quick)
    words = _median([r.words for r in results])
    images = _median([r.images for r in results])
    ssim = _median([r.ssim for r in results])
    words_intended = _median([r.words_intended for r in results])
    ssim_intended = _median([r.ssim_intended for r in results])
    image_share = statistics.fmean([r.images for r in results if r.images == r.images] or [0])
    out.figures = {
        "pages": len({r.name for r in results}),
        "median_words_kept": round(words, 4),
        "median_ssim": round(ssim, 4),
        "median_words_kept_intended": round(words_intended, 4),
        "median_ssim_intended": round(ssim_intended, 4),
        "median_images_rendered": round(images, 4),
        "mean_images_rendered": round(image_share, 4),
        "not_arrived": sum(1 for r in results if r.note),
    }
    out.notes.append(
        f"real Chromium {version}; (a) direct rendering with scripts off, nothing "
        "external; (a') the same without what the relay leaves out on purpose "
        "(consent banners, JavaScript warnings)"
    )
    out.tables.append(
        Table(
            "medians over all pages and both viewports",
            ["against", "words kept", "SSIM", "images rendered (mean)", "pages × viewports"],
            [
                [
                    "(a) scripts off",
                    f"{words:.1%}",
                    f"{ssim:.3f}",
                    f"{image_share:.1%}",
                    len(results),
                ],
                [
                    "(a') scripts off, intended removals",
                    f"{words_intended:.1%}",
                    f"{ssim_intended:.3f}",
                    f"{image_share:.1%}",
                    len(results),
                ],
            ],
        )
    )
    columns = [
        "page",
        "viewport",
        "SSIM (a)",
        "SSIM (a')",
        "words (a)",
        "words (a')",
        "images",
        "lost against (a), most",
    ]

    def row(r: PageResult) -> list[Any]:
        lost = r.note or ", ".join(f"{t} {n}" for t, n in r.lost.most_common(4))
        return [
            r.name,
            r.viewport,
            f"{r.ssim:.3f}",
            f"{r.ssim_intended:.3f}",
            f"{r.words:.1%}",
            f"{r.words_intended:.1%}",
            f"{r.images:.0%}",
            lost,
        ]

    def key(r: PageResult) -> tuple[float, float]:
        return (r.ssim_intended if r.ssim_intended == r.ssim_intended else -1, r.words)

    out.tables.append(
        Table(
            "the ten worst (lowest SSIM against a')",
            columns,
            [row(r) for r in sorted(results, key=key)[:10]],
        )
    )
    out.checks = [
        Check(
            "median visible text kept ≥ 99 % (against a')",
            words_intended >= 0.99 if words_intended == words_intended else None,
        ),
        Check("images rendered ≥ 98 %", image_share >= 0.98 if results else None),
        Check(
            "median SSIM ≥ 0.95 (against a')",
            ssim_intended >= 0.95 if ssim_intended == ssim_intended else None,
        ),
    ]
    return out
