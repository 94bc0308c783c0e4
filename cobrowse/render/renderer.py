"""The relay's side of ``render = "browser"``: which pages, whose browser, live updates.

:class:`Renderer` is created by the app when a ``[[rules]]`` entry asks for
it. :class:`cobrowse.session.navigation.Navigator` asks it to :meth:`~Renderer.render`
pages of such hosts instead of fetching them, builds the returned DOM with
the usual pipeline, and after publishing tells it what the participants now
see (:meth:`~Renderer.shown`) or that they left the rendered page
(:meth:`~Renderer.left`). While a session is on a rendered page, its
:class:`LivePage` (``session.live``) sends what the page's scripts change
and replays the advisor's clicks and typing. Contexts of ended sessions, and
of sessions another node took over (which loads the page again in its own
browser: see :mod:`cobrowse.cluster.ownership`), are dropped by a sweeper
within a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol
from urllib.parse import urlsplit

from cobrowse.config import HostRule, RenderConfig
from cobrowse.errors import FetchError, RenderError
from cobrowse.fetch import Fetcher
from cobrowse.i18n_catalogue import DE
from cobrowse.page_worker import PageJob, PageWorkers
from cobrowse.pipeline import Page
from cobrowse.protocol import InputSet, Msg, PulseAt, Toggle
from cobrowse.render.browser import BrowserPool
from cobrowse.render.live import KeyedNodes, apply_update, take_keys
from cobrowse.render.page import NotAPage, SessionBrowser
from cobrowse.session.edits import MAX_VALUE_CHARS
from cobrowse.session.field_values import FieldValues, type_again, typed_again

if TYPE_CHECKING:
    from playwright.async_api import Page as BrowserPage

    from cobrowse.fetch import FetchResult
    from cobrowse.metrics import RelayMetrics
    from cobrowse.session.model import CoSession

__all__ = ["LivePage", "Navigating", "Rendered", "Renderer", "render_mode"]

log = logging.getLogger(__name__)

SWEEP_SECONDS: Final = 1.0
# Changes are sent after settle_seconds of quiet, but at least this often.
MAX_BATCH_SECONDS: Final = 1.0
_HTML: Final = "text/html; charset=utf-8"


def render_mode(rules: Sequence[HostRule], url: str) -> str:
    """``"browser"`` if a ``[[rules]]`` entry for ``url``'s host says so, else ``"html"``.

    Like the sanitizing rules, a host pattern without a port matches every port.
    """
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").rstrip(".").lower(), parts.port
    except ValueError:
        return "html"
    for rule in rules:
        pattern = rule.host
        if rule.render != "browser" or pattern is None:  # [pipeline] rules never render
            continue
        if pattern.port is not None and port != pattern.port:
            continue
        if host.endswith("." + pattern.host) if pattern.wildcard else host == pattern.host:
            return "browser"
    return "html"


class Navigating(Protocol):
    """What :meth:`Renderer.open` needs of the navigator (cobrowse.session.navigation)."""

    @property
    def metrics(self) -> RelayMetrics: ...

    def offer_download(self, session: CoSession, result: FetchResult) -> None: ...


class Rendered:
    """A page loaded by :meth:`Renderer.render`, not yet shown; ``status``: the
    HTTP status its document came with (an error page renders too);
    ``posted``: the document answered a POST (a sent form)."""

    def __init__(
        self, page: BrowserPage, url: str, html: str, status: int = 200, posted: bool = False
    ) -> None:
        self.page, self.url, self.html, self.status = page, url, html, status
        self.posted = posted


class LivePage:
    """A session's rendered page while everyone is on it (``session.live``)."""

    def __init__(self, renderer: Renderer, session: CoSession, browser: SessionBrowser) -> None:
        self.renderer = renderer
        self.session = session
        self.browser = browser
        self.page_no = session.page_no
        self.keys: dict[int, str] = {}
        self.private: set[str] = set()
        self._lock = asyncio.Lock()  # replays and refreshes, one at a time, in order
        self._tasks: set[asyncio.Task[None]] = set()
        self._watch: asyncio.Task[None] | None = None

    def start(self, pairs: KeyedNodes, private: set[str]) -> None:
        self.keys = {int(node[0]): key for node, key in pairs}
        self.private = private
        self._watch = asyncio.create_task(self._watch_changes(), name="render-live")

    def replay(self, body: PulseAt | Toggle | InputSet) -> bool:
        """An advisor move on this page (already parsed): replay it in the
        server-side page.

        True when the move is done with (``TOGGLE``: the page's own script
        toggles, the click already went there as ``PULSE_AT``; two clicks
        would undo each other); False when the relay goes on as usual (the
        pulse is shown, the typed value kept in its copy).
        """
        if isinstance(body, Toggle):
            return True
        key = self.keys.get(body.node)
        if key is None:
            return False
        if isinstance(body, PulseAt):
            self._spawn(self.browser.click(key))
        elif key not in self.private and self._typable(body.node):
            value = (body.value or "")[:MAX_VALUE_CHARS]
            selected = list(body.selected or ())
            self._spawn(self.browser.set_value(key, value, bool(body.checked), selected))
        return False

    def _typable(self, node: int) -> bool:
        """The relay's copy has a field there that takes typing (not disabled)."""
        state = self.session.interaction
        element = state.index.element(node) if state and state.index else None
        return element is not None and "disabled" not in element[2]

    def _spawn(self, call: Any) -> None:
        async def run() -> None:
            async with self._lock:
                if self.session.live is not self:
                    call.close()
                    return
                try:
                    await call
                except RenderError as exc:
                    self._failed(exc)

        task = asyncio.create_task(run(), name="render-replay")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _failed(self, exc: FetchError) -> None:
        log.info("render: live page stopped: %s", exc.kind)
        self.session.notice(exc.kind, exc.user_message, "error")
        self.stop()

    async def _watch_changes(self) -> None:
        browser = self.browser
        quiet = self.renderer.config.settle_seconds
        while True:
            await browser.changed.wait()
            first = time.monotonic()
            while True:
                now = time.monotonic()
                calm = now - browser.last_change
                if calm >= quiet or now - first >= MAX_BATCH_SECONDS:
                    break
                await asyncio.sleep(min(quiet - calm, 0.05))
            browser.changed.clear()
            if browser.crashed:
                self._failed(RenderError("render_crashed"))
                return
            async with self._lock:
                if not await self._refresh():
                    return

    async def _refresh(self) -> bool:
        session = self.session
        if session.ended or session.page_no != self.page_no or session.page is None:
            return False
        try:
            html = await self.browser.serialize()
            if len(html) > self.renderer.fetcher.config.max_page_bytes:
                raise FetchError("too_large", "rendered DOM")
        except FetchError as exc:  # RenderError too
            self._failed(exc)
            return False
        page = await self.renderer.build(session, session.page.url, html)
        if session.ended or session.page_no != self.page_no or session.live is not self:
            return False
        pairs, self.private = take_keys(page.tree)
        self.keys = apply_update(session, page, pairs, self.keys)
        return True

    def stop(self) -> None:
        """No more live updates or replays (the session left the page)."""
        if self.session.live is self:
            self.session.live = None
        if self._watch is not None and self._watch is not asyncio.current_task():
            self._watch.cancel()


class Renderer:
    """Render pool, per-session browsers and live pages (see the module docstring)."""

    def __init__(
        self,
        config: RenderConfig,
        fetcher: Fetcher,
        rules: tuple[HostRule, ...],
        *,
        secret: str,
        workers: PageWorkers,
    ) -> None:
        self.config = config
        self.fetcher = fetcher
        self.rules = rules
        self.secret = secret
        self.workers = workers
        self.pool = BrowserPool(config)
        self.browsers: dict[str, tuple[CoSession, SessionBrowser]] = {}
        # set by the Navigator: where a page's own navigation goes
        self.navigate: Callable[[CoSession, str], None] = lambda session, url: None
        self._sweeper: asyncio.Task[None] | None = None

    def handles(self, url: str) -> bool:
        return render_mode(self.rules, url) == "browser"

    def _browser(self, session: CoSession) -> SessionBrowser:
        entry = self.browsers.get(session.id)
        if entry is None:
            browser = SessionBrowser(
                self.pool,
                self.fetcher,
                self.config,
                lambda url: self._page_navigates(session, url),
            )
            entry = self.browsers[session.id] = (session, browser)
            if self._sweeper is None:
                self._sweeper = asyncio.create_task(self._sweep(), name="render-sweeper")
        return entry[1]

    def _page_navigates(self, session: CoSession, url: str) -> None:
        if not session.ended and session.live is not None:
            self.navigate(session, url)

    async def render(
        self, session: CoSession, url: str, post: list[tuple[str, str]] | None = None
    ) -> Rendered:
        """Load ``url`` for ``session`` in its browser, waiting for a load slot
        (participants see „Seite wird vorbereitet …“ while it waits)."""
        browser = self._browser(session)
        if self.pool.full():
            session.notice("render_queued", DE["notice_render_queued"], "info")
        async with self.pool.slot():
            loaded = await browser.load(url, post)
        if len(loaded.html) > self.fetcher.config.max_page_bytes:  # characters ≥ bytes / 4
            await browser.close_page(loaded.page)
            raise FetchError("too_large", "rendered DOM")
        return Rendered(*loaded)

    async def open(
        self,
        session: CoSession,
        url: str,
        post: list[tuple[str, str]] | None,
        navigator: Navigating,
        show: Callable[[Page, int, bool], None],
        typed: FieldValues | None = None,
    ) -> None:
        """A navigation of ``session`` to a rendered host (called by the
        navigator): load, the usual pipeline, ``show(page, status, posted)``
        (history, the visited list unless ``status`` is an error, whether the
        page answered a POST, publishing), then live updates. ``typed``: the
        field values this page had before it was loaded again (a hand-over),
        typed into it once it is live. A file is offered as a download as on
        the html path; failures raise :class:`FetchError`/:class:`RenderError`
        for the navigator to report."""
        started = time.perf_counter()
        rendered: Rendered | None = None
        try:
            try:
                rendered = await self.render(session, url, post)
            except NotAPage as file:
                session.hub.broadcast(Msg.LOADING, {"url": None})
                navigator.offer_download(session, file.result)
                return
            navigator.metrics.fetched("page", started)
            started = time.perf_counter()
            page = await self.build(session, rendered.url, rendered.html)
            navigator.metrics.page_built(page.removed, started)
            pairs, private = take_keys(page.tree)
            if session.ended:
                return
            show(page, rendered.status, rendered.posted)
            await self.shown(session, rendered, pairs, private)
            rendered = None
            if typed is not None and session.page is not None and session.live is not None:
                type_again(session, typed_again(typed, session.page, session.page_no))
        finally:
            if rendered is not None:
                await self.discard(session, rendered)

    async def build(self, session: CoSession, url: str, html: str) -> Page:
        """The pipeline, exactly as for a fetched page."""
        job = PageJob(
            html.encode("utf-8"),
            _HTML,
            url,
            session.id,
            self.secret,
            self.fetcher.config,
            self.rules,
        )
        return (await self.workers.build(job)).page

    async def shown(
        self, session: CoSession, rendered: Rendered, pairs: KeyedNodes, private: set[str]
    ) -> None:
        """The participants now see ``rendered`` (published as ``session.page_no``)."""
        self.left(session)
        _, browser = self.browsers[session.id]
        await browser.show(rendered.page)
        live = LivePage(self, session, browser)
        session.live = live
        live.start(pairs, private)

    def left(self, session: CoSession) -> None:
        """The session's page is no longer the rendered one."""
        if session.live is not None:
            session.live.stop()

    async def discard(self, session: CoSession, rendered: Rendered) -> None:
        """A loaded page that will not be shown (superseded or failed to build)."""
        with contextlib.suppress(Exception):
            await rendered.page.close()

    async def drop(self, session: CoSession) -> None:
        """Drop the session's context (cookies, storage, cache, pages)."""
        entry = self.browsers.get(session.id)
        if entry is not None:
            self.left(session)
            await entry[1].close()
            self.browsers.pop(session.id, None)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            for session, _ in list(self.browsers.values()):
                # ended, or owned by another node now (cluster hand-over)
                if session.ended or not session.hub.owned:
                    await self.drop(session)

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        for session, browser in self.browsers.values():
            self.left(session)
            await browser.close()
        self.browsers.clear()
        await self.pool.close()
