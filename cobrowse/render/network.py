"""Every request of a server-side page goes through the relay's own fetcher.

:class:`RequestGuard` is installed as the route handler of a session's
browser context (``context.route("**/*", guard.handle)``): Chromium never
opens a connection itself. Each request is fetched by
:class:`cobrowse.fetch.Fetcher` — the host allowlist, the SSRF guard (every
resolved address checked *before* any connection; loopback, private,
link-local and metadata addresses refused unless the operator opted in for
that host), the size limits and the deadline all apply exactly as for the
relay's own fetches — and the answer is handed to Chromium with
``route.fulfill``. A refused request is aborted and counted.

Only the relay decides where the session's page goes: while it loads a page,
that page's own top-level navigations (script redirects) are followed like
HTTP redirects, through the fetcher; once the page is shown, a navigation it
starts by itself (a script setting ``location``, a link the page clicks) is
aborted and reported to ``on_navigate`` so the relay can load it the usual
way (allowlist check, pipeline, everyone sees it).
WebSockets are closed before they reach any server.

The guard also counts requests in flight, which the settle detection needs,
and keeps the HTTP status of the top-level document (:attr:`RequestGuard.main_status`):
an error page (404, 500 …) renders like any page, and the relay treats it as
one, as on the html path; and whether that document answered a POST
(:attr:`RequestGuard.main_posted`: a sent form's answer, which a hand-over
must not load again, see :mod:`cobrowse.cluster.ownership`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Final

from playwright.async_api import Request, Route, WebSocketRoute

from cobrowse.errors import FetchError
from cobrowse.fetch import Fetcher, FetchResult

__all__ = ["RequestGuard"]

log = logging.getLogger(__name__)

# Request headers Chromium may pass on (the fetcher sets Host, Accept-Language, UA).
_FORWARD: Final = frozenset(
    {"accept", "content-type", "cookie", "x-requested-with", "range", "if-none-match"}
)
# Response headers Chromium gets back; the body is already decoded and complete.
_DROP: Final = frozenset(
    {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
)
_METHODS: Final = frozenset({"GET", "HEAD", "POST"})
# A top-level document of another type (a PDF) is offered as a download instead.
_PAGE_TYPES: Final = ("text/html", "application/xhtml+xml", "")
# What no DOM depends on: not fetched for the server-side page (the
# participants' browsers get images and fonts through the /r/ proxy).
_SKIPPED: Final = frozenset({"image", "media", "font"})


# How long a redirect's followed answer waits for Chromium to ask for it.
_REDIRECT_FRESH: Final = 10.0


class RequestGuard:
    """Route handler of one session's context (see the module docstring)."""

    def __init__(self, fetcher: Fetcher, on_navigate: Callable[[str], None]) -> None:
        self.fetcher = fetcher
        self.on_navigate = on_navigate
        self.in_flight = 0
        self.last_activity = time.monotonic()
        self.refused = 0  # requests the allowlist or the SSRF guard refused
        self.served = 0
        # the next top-level navigation is the relay's own (or its redirect)
        self.expected = False
        self.post: list[tuple[str, str]] | None = None
        self.main_error: FetchError | None = None
        self.not_a_page: FetchResult | None = None  # the top-level answer was a file
        # HTTP status of the document the page settled on (a 404 page renders too)
        self.main_status = 200
        # whether that document is the answer to a POST (a sent form): its
        # address alone does not show it again
        self.main_posted = False
        self.loading = False  # the relay is loading a page: its script redirects are followed
        # where an HTTP redirect of the relay's own navigation led (the loader
        # opens it next), and the answer the fetcher already has for it
        self.redirected_to: str | None = None
        self._redirected: dict[str, tuple[float, FetchResult]] = {}

    def expect(self, url: str, post: list[tuple[str, str]] | None) -> None:
        """The relay is about to load ``url`` (POSTing ``post`` if given) at the top level."""
        del url  # Chromium may spell it differently; the next one is ours
        self.expected, self.post, self.main_error = True, post, None
        self.not_a_page, self.main_status, self.redirected_to = None, 200, None
        self.main_posted = False

    async def handle(self, route: Route, request: Request) -> None:
        self.in_flight += 1
        self.last_activity = time.monotonic()
        try:
            await self._handle(route, request)
        finally:
            self.in_flight -= 1
            self.last_activity = time.monotonic()

    async def _handle(self, route: Route, request: Request) -> None:
        url = request.url
        top = request.is_navigation_request() and request.frame.parent_frame is None
        post = None
        own = False  # the page's own top-level navigation, while it loads
        if top:
            if self.expected:
                post, self.post, self.expected = self.post, None, False
            elif self.loading:
                own = True  # a script redirect: followed, through the fetcher like any
            else:
                # the page tries to go somewhere by itself: the relay decides
                # ("aborted" keeps the current document, like a cancelled load)
                await route.abort("aborted")
                self.on_navigate(url)
                return
        if request.resource_type in _SKIPPED:
            await route.abort("blockedbyclient")
            return
        if request.method not in _METHODS or not url.startswith(("http://", "https://")):
            self.refused += 1
            await route.abort("blockedbyclient")
            return
        headers = {k: v for k, v in (await request.all_headers()).items() if k in _FORWARD}
        method = "POST" if post is not None else request.method
        content = request.post_data_buffer if method == "POST" and post is None else None
        ahead = self._redirected.pop(url, None) if method == "GET" else None
        fresh = ahead is not None and time.monotonic() - ahead[0] < _REDIRECT_FRESH
        try:
            result = (
                ahead[1]
                if ahead is not None and fresh
                else await self.fetcher.fetch(
                    url,
                    max_bytes=self.fetcher.config.max_page_bytes,
                    accept=headers.pop("accept", "*/*"),
                    method=method,
                    form=post,
                    headers=headers,
                    content=content,
                    read_body_for=_PAGE_TYPES if top else None,
                )
            )
        except FetchError as exc:
            self.refused += 1
            log.info("render: request refused: %s", exc.kind)
            if own:  # the page stays where it is
                await route.abort("aborted")
                return
            if top:
                self.main_error = exc
            await route.abort("blockedbyclient")
            return
        self.served += 1
        if top and not result.body_read and own:
            await route.abort("aborted")  # a script sending the page to a file: stays
            return
        if top and not result.body_read:
            self.not_a_page = result
            await route.abort("aborted")
            return
        if result.url != url and top and not own:
            # An HTTP redirect of the relay's own navigation. Chromium must know
            # the page's real address (relative links, origin), but a redirect
            # fulfilled here would be followed outside the route handler
            # (Playwright routes only a redirect chain's first request) and hit
            # the dead proxy. So this load is aborted, the loader opens where it
            # led (:attr:`redirected_to`), and gets the answer the fetcher
            # already has, instead of the site being asked again.
            self.expected, self.redirected_to = True, result.url
            self._redirected = {result.url: (time.monotonic(), result)}
            await route.abort("aborted")
            return
        # a redirected subresource (or script redirect) is answered in place
        if top:  # the last document wins (script redirects)
            self.main_status, self.main_posted = result.status, result.method == "POST"
        out = {k: v for k, v in result.headers.items() if k.lower() not in _DROP}
        await route.fulfill(status=result.status, headers=out, body=result.body)

    @staticmethod
    async def close_socket(ws: WebSocketRoute) -> None:
        """WebSockets never connect anywhere (``context.route_web_socket``)."""
        await ws.close(code=1008, reason="blocked")
