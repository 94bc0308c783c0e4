"""One co-browsing session's side of the relay's browser: its context and page.

A :class:`SessionBrowser` owns one fresh :class:`BrowserContext` for its
session (dropped when the session ends) and the server-side page the session
is on. :meth:`SessionBrowser.load` opens a URL in a *new* page, waits until
it settles and returns its DOM as HTML; the page the participants saw
before stays open until :meth:`SessionBrowser.show` makes the new one
current, so a failed load leaves the old page live. Every call into a page
has a deadline: a page whose scripts keep the CPU busy is closed
(``render_timeout``), one that runs out of memory crashes alone
(``render_crashed``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from playwright.async_api import BrowserContext, Error, Page

from cobrowse.config import RenderConfig
from cobrowse.errors import FetchError, RenderError
from cobrowse.fetch import Fetcher, FetchResult
from cobrowse.render.browser import BrowserPool
from cobrowse.render.network import RequestGuard
from cobrowse.render.scripts import BINDING, CLICK, GUARD, SERIALIZE, SET_VALUE

__all__ = ["Loaded", "NotAPage", "SessionBrowser"]

log = logging.getLogger(__name__)

# A replayed click or value gets this long before the page counts as hung.
REPLAY_SECONDS = 3.0


class NotAPage(Exception):
    """The address led to a file (a PDF …), not a page: ``result`` (body unread)
    is for the relay to offer as a download, as on the html path."""

    def __init__(self, result: FetchResult) -> None:
        super().__init__("not a page")
        self.result = result


class Loaded(NamedTuple):
    """A page :meth:`SessionBrowser.load` opened and let settle: its final
    address, its DOM as HTML, the HTTP status of the document it settled on
    and whether that document answered a POST (a sent form)."""

    page: Page
    url: str
    html: str
    status: int
    posted: bool


class SessionBrowser:
    """The relay's browser for one session (see the module docstring)."""

    def __init__(
        self,
        pool: BrowserPool,
        fetcher: Fetcher,
        config: RenderConfig,
        on_navigate: Callable[[str], None],
    ) -> None:
        self.pool = pool
        self.config = config
        self.guard = RequestGuard(fetcher, on_navigate)
        self.context: BrowserContext | None = None
        self.page: Page | None = None  # the page the participants see
        self.last_change = time.monotonic()
        self.changed = asyncio.Event()
        self.crashed = False

    async def _context(self) -> BrowserContext:
        if self.context is not None and self.context.browser is not None:
            if self.context.browser.is_connected():
                return self.context
        self.context = None
        try:
            context = await self.pool.new_context()
        except Error as exc:
            log.error("render browser could not start: %s", type(exc).__name__)
            raise RenderError("render_unavailable") from None
        await context.route("**/*", self.guard.handle)
        await context.route_web_socket("**/*", RequestGuard.close_socket)
        await context.expose_binding(BINDING, self._changed)
        await context.add_init_script(GUARD)
        context.on("page", self._popup)
        self.context = context
        return context

    def _changed(self, source: Any) -> None:
        del source
        self.last_change = time.monotonic()
        self.changed.set()

    async def _popup(self, page: Page) -> None:
        # a pop-up (window.open is sealed, but target=_blank links remain)
        if page is not self.page and await page.opener() is not None:
            with contextlib.suppress(Error):
                await page.close()

    async def load(self, url: str, post: list[tuple[str, str]] | None = None) -> Loaded:
        """Open ``url`` (POSTing ``post`` if given) in a new page, wait until it settles.

        Raises :class:`FetchError` when the relay refused or could not fetch
        the document itself, :class:`RenderError` for timeouts and crashes.
        """
        context = await self._context()
        page = await context.new_page()
        crashed = asyncio.Event()
        page.on("crash", lambda _: crashed.set())
        deadline = time.monotonic() + self.config.page_timeout_seconds
        try:
            async with asyncio.timeout_at(_loop_time(deadline)):
                self.guard.expect(url, post)
                self.guard.loading = True
                await self._open(page, url)
                await self._settle(page, deadline, crashed)
                if crashed.is_set():
                    raise RenderError("render_crashed")
                html = await _serialize_settled(page)
                status, posted = self.guard.main_status, self.guard.main_posted
        except (FetchError, RenderError, NotAPage, asyncio.CancelledError):
            await _close(page)  # cancelled: a newer navigation replaces this one
            raise
        except TimeoutError:
            await _close(page)
            raise RenderError("render_timeout", "load") from None
        except Error as exc:
            log.info("render: load failed: %s", type(exc).__name__)
            await _close(page)
            kind = "render_crashed" if crashed.is_set() else "render_timeout"
            raise RenderError(kind, type(exc).__name__) from None
        finally:
            self.guard.loading = False
        page.on("crash", lambda _: self._crash(page))
        return Loaded(page, page.url, str(html), status, posted)

    async def _open(self, page: Page, url: str, hops: int = 3) -> None:
        """Navigate ``page`` to ``url``; where the fetcher found an HTTP
        redirect, to the address it led to (the guard answers that request
        from what it fetched)."""
        try:
            # "commit": the document's own loading is the settle detection's
            # to watch (a script redirect aborted while the page parses would
            # keep "domcontentloaded" waiting)
            await page.goto(url, wait_until="commit")
        except Error as exc:
            if self.guard.main_error is not None:
                raise self.guard.main_error from None
            if self.guard.not_a_page is not None:
                raise NotAPage(self.guard.not_a_page) from None
            target, self.guard.redirected_to = self.guard.redirected_to, None
            if target is not None and hops > 0:
                # the fetcher followed the whole chain: one hop unless the site
                # redirects anew on every request (bounded, like the fetcher)
                await self._open(page, target, hops - 1)
            elif "interrupted by another navigation" not in str(exc):
                raise
            # else a script redirect while loading: settle on where it went

    async def _settle(self, page: Page, deadline: float, crashed: asyncio.Event) -> None:
        """Until the document is parsed, nothing is in flight and the DOM has
        not changed for ``settle_seconds`` (or the deadline passes: a page
        that never stops changing is taken as it is)."""
        quiet = self.config.settle_seconds
        while not crashed.is_set():
            now = time.monotonic()
            calm = now - max(self.guard.last_activity, self.last_change)
            if self.guard.in_flight == 0 and calm >= quiet:
                try:
                    if await page.evaluate("document.readyState") != "loading":
                        return
                except Error:  # between two documents (a script redirect)
                    pass
            if now >= deadline - 0.5:
                return
            await asyncio.sleep(min(0.05, max(0.01, quiet - calm)))

    def _crash(self, page: Page) -> None:
        if page is self.page:
            self.crashed = True
            self.changed.set()

    async def show(self, page: Page | None) -> None:
        """``page`` is what the participants see now; the previous one closes."""
        self.changed.clear()
        old, self.page = self.page, page
        self.crashed = False
        if old is not None and old is not page:
            await _close(old)

    async def serialize(self) -> str:
        """The current page's DOM as HTML (keys stamped); RenderError if it hangs."""
        return str(await self._call(SERIALIZE, None))

    async def click(self, key: str) -> bool:
        return bool(await self._call(CLICK, key))

    async def set_value(self, key: str, value: str, checked: bool, selected: list[int]) -> bool:
        return bool(await self._call(SET_VALUE, [key, value, checked, selected]))

    async def _call(self, script: str, arg: Any) -> Any:
        page = self.page
        if page is None or self.crashed:
            raise RenderError("render_crashed")
        try:
            async with asyncio.timeout(max(REPLAY_SECONDS, self.config.settle_seconds * 4)):
                return await page.evaluate(script, arg)
        except TimeoutError:
            await self.drop_page()
            raise RenderError("render_timeout", "script") from None
        except Error as exc:
            await self.drop_page()
            raise RenderError("render_crashed", type(exc).__name__) from None

    async def close_page(self, page: Page) -> None:
        """Close a loaded page that will not be shown."""
        if page is not self.page:
            await _close(page)

    async def drop_page(self) -> None:
        """Close the current page (the session left it, or it misbehaved)."""
        page, self.page = self.page, None
        if page is not None:
            await _close(page)

    async def close(self) -> None:
        """Drop the whole context: cookies, storage, cache, pages."""
        self.page = None
        context, self.context = self.context, None
        if context is not None:
            with contextlib.suppress(Error):
                await context.close()


async def _serialize_settled(page: Page) -> Any:
    """SERIALIZE, again if a script redirect replaced the document meanwhile."""
    for _ in range(3):
        try:
            return await page.evaluate(SERIALIZE)
        except Error as exc:
            if "context was destroyed" not in str(exc):
                raise
            await page.wait_for_load_state("domcontentloaded")
    return await page.evaluate(SERIALIZE)


def _loop_time(deadline: float) -> float:
    """``time.monotonic`` deadline → the event loop's clock."""
    loop = asyncio.get_running_loop()
    return loop.time() + (deadline - time.monotonic())


async def _close(page: Page) -> None:
    with contextlib.suppress(Error):
        await page.close(run_before_unload=False)
