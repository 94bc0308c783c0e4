"""Every XSS payload of the shared corpus, opened in a session in real Chromium.

A local test site (on a free loopback port, allowed in the relay's config
as a private host) serves the payloads in batches, each payload in its own
container; a payload that would swallow the ones after it in the relay's
pipeline gets a page of its own. The advisor opens every page through the
console; advisor and citizen both render it in their mirror. Then:

* no script ran: no dialog (``alert``/``confirm``/``prompt``/``print`` are
  also replaced by recorders in every frame where script may run), and no
  console message that would mean the sandbox or the CSP had to stop
  something (``Blocked script execution …``, ``Refused to …``);
* no request left for any origin but the relay, from either browser (and
  the test site saw only the relay's own fetcher);
* the mirrors hold no script-capable element, event handler or outside URL,
  even after focusing, hovering and clicking everything in the citizen's.

The corpus lives outside the repository (``COBROWSE_CORPUS``, default
``../shared/corpus``); without it the test skips and names the setting.
"""

from __future__ import annotations

import json
import mimetypes
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Request

from bench.harness.procs import Server, start_relay
from cobrowse.pipeline import build_page
from tests.conftest import corpus_dir
from tests.e2e.journey import advisor_login, citizen_join, mirror, navigate, wait_same_doc

BATCH_SIZE = 30
VIEWPORT = {"width": 1280, "height": 900}

# Replaces the dialog functions (and a marker) wherever script may run.
RECORDERS = """
(() => {
  const calls = (window.__xssCalls = window.__xssCalls || []);
  for (const name of ["alert", "confirm", "prompt", "print", "xss"]) {
    try { window[name] = (...args) => { calls.push([name, String(args[0])]); }; } catch {}
  }
})();
"""
# Everything in the mirror that could run script or reach another origin.
INVARIANTS = """() => {
  const bad = [];
  const okUrl = (v) => v === "/link" || v.startsWith("/r/") || v.startsWith("#") ||
    /^data:image\\/(png|gif|jpeg|webp)[;,]/i.test(v);
  const urls = (css) => [...css.matchAll(/url\\(\\s*["']?([^"')\\s]*)/gi)].map((m) => m[1]);
  const URL_ATTRS = new Set(["href", "src", "action", "formaction", "poster", "background",
    "data", "cite", "longdesc", "usemap", "lowsrc", "dynsrc", "xlink:href", "ping"]);
  const FORBIDDEN = new Set(["script", "iframe", "frame", "frameset", "object", "embed",
    "applet", "base", "meta", "portal", "template", "foreignObject", "animate", "set",
    "animateMotion", "animateTransform", "handler", "listener"]);
  // Through the prototypes: a page's form may clobber its own properties.
  const get = (name, el) => Reflect.get(Element.prototype, name, el);
  for (const el of document.querySelectorAll("*")) {
    const tag = get("localName", el);
    if (FORBIDDEN.has(tag)) bad.push(`<${tag}>`);
    if (get("shadowRoot", el)) bad.push(`shadow root on <${tag}>`);
    for (const name of Element.prototype.getAttributeNames.call(el)) {
      const a = { name, value: Element.prototype.getAttribute.call(el, name) };
      const n = a.name.toLowerCase();
      if (n.startsWith("on") || n === "srcdoc" || n === "formaction" || n === "ping") {
        bad.push(`<${tag} ${n}>`);
      } else if (n === "srcset" || n === "imagesrcset") {
        for (const part of a.value.split(",")) {
          const u = part.trim().split(/\\s+/)[0];
          if (u && !okUrl(u)) bad.push(`<${tag} srcset=${u.slice(0, 60)}>`);
        }
      } else if (URL_ATTRS.has(n) && !okUrl(a.value.trim())) {
        bad.push(`<${tag} ${n}=${a.value.slice(0, 60)}>`);
      } else if (n === "style") {
        for (const u of urls(a.value)) if (!okUrl(u)) bad.push(`<${tag} style url(${u})>`);
      }
    }
    if (tag === "style") {
      const css = Reflect.get(Node.prototype, "textContent", el) || "";
      for (const u of urls(css)) if (!okUrl(u)) bad.push(`<style> url(${u})`);
    }
  }
  return bad;
}"""
# What a curious citizen does: focus, hover and click everything.
SWEEP = """(click) => {
  let n = 0;
  const targets = "a, area, button, input, select, textarea, label, summary, details, " +
    "[tabindex], svg *, math *, img, video, audio, form";
  for (const el of document.querySelectorAll(targets)) {
    const fire = (type) => EventTarget.prototype.dispatchEvent.call(
      el, new MouseEvent(type, { bubbles: true, cancelable: true }));
    try {
      if (el instanceof HTMLElement) HTMLElement.prototype.focus.call(el);
      fire("mouseover");
      if (click) fire("click");
      n++;
    } catch {}
  }
  return n;
}"""
# Fonts and images settled (what a payload in an onload/onerror would wait for),
# but never longer than 10 s: an image that never loads (lazy, off screen) must
# not hang the test; the invariants are checked either way.
READY = """async () => {
  const loaded = (i) => new Promise((r) => { i.onload = i.onerror = r; });
  const settled = Promise.all([
    document.fonts.ready,
    ...[...document.images].map((i) => (i.complete ? null : loaded(i))),
  ]);
  await Promise.race([settled, new Promise((r) => setTimeout(r, 10000))]);
  return (window.__xssCalls || []).length;
}"""


@dataclass
class Corpus:
    """The payloads as test pages: ``pages[path] = (marker text, payload ids)``."""

    entries: list[dict[str, Any]]
    attachments: dict[str, tuple[bytes, str]]
    pages: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    bodies: dict[str, bytes] = field(default_factory=dict)


def _batch_html(number: int, batch: list[tuple[int, dict[str, Any]]]) -> bytes:
    parts = [
        f'<div class="payload" id="p-{i}">{entry["payload"]}</div><p id="end-{i}">Ende {i}</p>'
        for i, entry in batch
    ]
    return (
        f"<!DOCTYPE html><html><head><meta charset=utf-8><title>Stapel {number}</title>"
        f'</head><body><h1 id="start">Stapel {number}</h1>{"".join(parts)}'
        f'<p id="batch-end">Stapel {number} Ende</p></body></html>'
    ).encode()


def _intact(number: int, batch: list[tuple[int, dict[str, Any]]]) -> bool:
    """Every container's end marker survives the relay's pipeline: no payload
    swallowed the ones after it (they would never be rendered)."""
    body = _batch_html(number, batch)
    tree = build_page(body, "text/html", "http://127.0.0.1/b.html", lambda u, k: "/r/x").tree
    ids: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if len(node) == 4:
            ids.add(node[2].get("id", ""))
            stack.extend(node[3])
    return "batch-end" in ids and all(f"end-{i}" in ids for i, _ in batch)


def load_corpus() -> Corpus | None:
    folder = corpus_dir() / "xss"
    files = sorted(folder.glob("*.json"))
    if not files:
        return None
    entries: list[dict[str, Any]] = []
    attachments: dict[str, tuple[bytes, str]] = {}
    for path in files:
        for entry in json.loads(path.read_text(encoding="utf-8")):
            entries.append(entry)
            if "name" in entry:  # an H5SC helper file, served under its name
                mime = entry.get("required_mime") or mimetypes.guess_type(entry["name"])[0]
                attachments[entry["name"]] = (entry["payload"].encode(), mime or "text/plain")
    corpus = Corpus(entries, attachments)
    batch: list[tuple[int, dict[str, Any]]] = []
    solo: list[tuple[int, dict[str, Any]]] = []

    def flush() -> None:
        number = len(corpus.pages) + 1
        path = f"/batch/{number}.html"
        corpus.bodies[path] = _batch_html(number, batch)
        corpus.pages[path] = (f"Stapel {number} Ende", [e["id"] for _, e in batch])
        batch.clear()

    for index, entry in enumerate(entries):
        if not _intact(0, [(index, entry)]):
            solo.append((index, entry))
            continue
        if not _intact(0, [*batch, (index, entry)]):
            flush()
        batch.append((index, entry))
        if len(batch) >= BATCH_SIZE:
            flush()
    if batch:
        flush()
    for _, entry in solo:  # would swallow what follows: a page of its own
        number = len(corpus.pages) + 1
        path = f"/solo/{number}.html"
        corpus.bodies[path] = (
            f"<!DOCTYPE html><html><head><meta charset=utf-8><title>Einzeln {number}</title>"
            f'</head><body><h1 id="start">Einzeln {number}</h1>{entry["payload"]}</body></html>'
        ).encode()
        corpus.pages[path] = (f"Einzeln {number}", [entry["id"]])
    return corpus


class PayloadSite:
    """The payload pages and H5SC helper files over HTTP, recording every request."""

    def __init__(self, corpus: Corpus) -> None:
        self.requests: list[tuple[str, str]] = []  # (path, user agent)
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                site.requests.append((path, self.headers.get("User-Agent", "")))
                name = path.rsplit("/", 1)[-1]
                if path in corpus.bodies:
                    body, mime = corpus.bodies[path], "text/html; charset=utf-8"
                elif name in corpus.attachments:
                    body, mime = corpus.attachments[name]
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", mime)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    loaded = load_corpus()
    if loaded is None:
        pytest.skip(f"XSS corpus not found in {corpus_dir()}: set COBROWSE_CORPUS")
    return loaded


@pytest.fixture(scope="module")
def site(corpus: Corpus) -> Iterator[PayloadSite]:
    server = PayloadSite(corpus)
    yield server
    server.close()


@pytest.fixture(scope="module")
def xss_relay(site: PayloadSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    config = tmp_path_factory.mktemp("xss") / "relay.toml"
    host = f"127.0.0.1:{site.port}"
    config.write_text(
        '[sessions]\nconfirm_join = false\njoin_policy = "open"\n'
        f'[fetch]\nallowed_hosts = ["{host}"]\nprivate_hosts = ["{host}"]\n',
        encoding="utf-8",
    )
    with start_relay("--config", str(config)) as relay:
        yield relay


SUSPICIOUS = ("Blocked script execution", "Refused to", "Content Security Policy", "Uncaught")


def test_no_payload_runs_script_or_reaches_another_origin(
    browser: Browser, xss_relay: Server, site: PayloadSite, corpus: Corpus
) -> None:
    relay = xss_relay
    foreign: list[str] = []
    console: list[str] = []
    dialogs: list[str] = []

    def on_request(request: Request) -> None:
        url = request.url
        if not url.startswith((relay.base + "/", "data:", "about:", "blob:")):
            foreign.append(url)

    def on_console(message: ConsoleMessage) -> None:
        if any(s in message.text for s in SUSPICIOUS):
            console.append(message.text[:200])

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(2)]
    for ctx in contexts:
        ctx.add_init_script(RECORDERS)
        ctx.on("request", on_request)
    advisor, code = advisor_login(contexts[0], relay)
    citizen = citizen_join(contexts[1], relay, code)
    pages: list[Page] = [advisor, citizen]
    for page in pages:
        page.on("console", on_console)
        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"[:200]))

    problems: dict[str, list[str]] = {}
    tested: list[str] = []
    for path, (marker, ids) in corpus.pages.items():
        navigate(advisor, f"http://127.0.0.1:{site.port}{path}")
        wait_same_doc(pages, marker)
        for page in pages:
            mirror(page).evaluate(READY)
            bad = mirror(page).evaluate(INVARIANTS)
            if bad:
                problems[f"{path} ({', '.join(ids[:3])}…)"] = bad[:10]
        mirror(citizen).evaluate(SWEEP, True)
        mirror(advisor).evaluate(SWEEP, False)  # the advisor's clicks would navigate
        tested.extend(ids)

    calls = [page.evaluate("window.__xssCalls || []") for page in pages]
    calls += [mirror(page).evaluate("window.__xssCalls || []") for page in pages]
    from_browsers = [p for p, agent in site.requests if not agent.startswith("Web-Begleiter")]
    for ctx in contexts:
        ctx.close()

    print(f"\nXSS corpus: {len(tested)} payloads on {len(corpus.pages)} pages, 2 participants")
    assert sorted(tested) == sorted(entry["id"] for entry in corpus.entries)
    assert problems == {}, f"unsafe nodes in the mirror: {problems}"
    assert dialogs == [], f"dialogs opened: {dialogs[:5]}"
    assert all(c == [] for c in calls), f"recorded calls: {calls}"
    assert console == [], f"sandbox or CSP had to stop something: {console[:5]}"
    assert foreign == [], f"browsers contacted other origins: {foreign[:5]}"
    assert from_browsers == [], f"the test site was contacted by a browser: {from_browsers[:5]}"


def test_a_pdf_link_offers_the_download_to_everyone(browser: Browser, xss_relay: Server) -> None:
    """Clicking a PDF link in the mirror: everyone gets a notice with a download
    link through the proxy (an attachment), and the page stays."""
    relay = xss_relay
    contexts = [browser.new_context(viewport=VIEWPORT, accept_downloads=True) for _ in range(2)]
    advisor, code = advisor_login(contexts[0], relay)
    citizen = citizen_join(contexts[1], relay, code)
    navigate(advisor, relay.demo + "/themen/rente.html")
    wait_same_doc([advisor, citizen], "Merkblatt Rente")
    mirror(advisor).get_by_role("link", name="Merkblatt Rente (PDF, 2 KB)").click()
    for page in (advisor, citizen):
        link = page.locator("#notices a[download]")
        link.wait_for()
        assert link.inner_text() == "Herunterladen"
        assert (link.get_attribute("href") or "").startswith("/r/")
        assert "merkblatt.pdf" in page.locator("#notices").inner_text()
        with page.expect_download() as info:
            link.click()
        assert info.value.suggested_filename == "merkblatt.pdf"
    assert "Merkblatt Rente" in mirror(citizen).evaluate("document.body.textContent")
    for ctx in contexts:
        ctx.close()
