"""What happens when the advisor navigates: fetch, pipeline, snapshot, fan-out.

Only the advisor's actions reach here (the WebSocket handler checks roles).
A newer navigation cancels one still in flight, so the session always ends
up on the page the advisor asked for last. Failures become a German notice
for everyone; the current page stays.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial
from urllib.parse import urlencode, urlsplit, urlunsplit

from cobrowse.errors import FetchError
from cobrowse.fetch import Fetcher, normalize_url
from cobrowse.pipeline import build_page
from cobrowse.protocol import Msg
from cobrowse.resources import ResourceSigner
from cobrowse.sessions import CoSession

__all__ = ["Navigator"]

log = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"


class Navigator:
    """Turns advisor actions (address, link click, form submit) into snapshots."""

    def __init__(self, fetcher: Fetcher, signer: ResourceSigner) -> None:
        self.fetcher = fetcher
        self.signer = signer

    def navigate(self, session: CoSession, url: str) -> None:
        """Start loading ``url`` for ``session``, cancelling a load in flight."""
        if session.nav_task is not None and not session.nav_task.done():
            session.nav_task.cancel()
        session.nav_task = asyncio.create_task(self._load(session, url), name="navigate")

    def click(self, session: CoSession, node: int) -> None:
        """The advisor clicked the link with node id ``node`` on the current page."""
        page = session.page
        target = page.links.get(node) if page else None
        if target is None:
            return
        try:
            self.fetcher.check_allowed(target)
        except FetchError:
            host = urlsplit(target).hostname or target
            session.notice(
                "link_not_allowed",
                f"Dieser Link führt zu {host}. Diese Seite ist für die gemeinsame Ansicht "
                "nicht freigegeben und wird nicht geöffnet.",
                "warning",
            )
            return
        self.navigate(session, target)

    def submit(self, session: CoSession, node: int, fields: list[tuple[str, str]]) -> None:
        """The advisor submitted the form ``node``: GET forms navigate, others are refused."""
        page = session.page
        form = page.forms.get(node) if page else None
        if form is None:
            return
        if form.method.lower() != "get":
            session.notice(
                "form_post_blocked",
                "Dieses Formular sendet Daten ab. Das ist in der gemeinsamen Ansicht gesperrt.",
                "warning",
            )
            return
        parts = urlsplit(form.action)
        self.navigate(session, urlunsplit((*parts[:3], urlencode(fields), "")))

    def resource_url(
        self, session_id: str, allowed: dict[str, bool], url: str, kind: str
    ) -> str | None:
        """The signed /r/ path for a resource of an allowed host, else None (dropped)."""
        host = url.split("/", 3)[2] if url.count("/") >= 2 else ""
        ok = allowed.get(host)
        if ok is None:
            try:
                self.fetcher.check_allowed(url)
                ok = True
            except FetchError:
                ok = False
            allowed[host] = ok
        return self.signer.url_for(session_id, kind, url) if ok else None

    async def _load(self, session: CoSession, url: str) -> None:
        hub = session.hub
        try:
            url = normalize_url(url)
            hub.broadcast(Msg.LOADING, {"url": url})
            result = await self.fetcher.fetch(
                url, max_bytes=self.fetcher.config.max_page_bytes, accept=_ACCEPT
            )
            media = (result.content_type or "text/html").split(";")[0].strip().lower()
            if media not in _HTML_TYPES:
                raise FetchError("unsupported")
            resource_url = partial(self.resource_url, session.id, {})
            loop = asyncio.get_running_loop()
            page = await loop.run_in_executor(
                None, build_page, result.body, result.content_type, result.url, resource_url
            )
        except asyncio.CancelledError:
            raise
        except FetchError as exc:
            log.info("navigation failed: %s", exc.kind)
            hub.broadcast(Msg.LOADING, {"url": None})
            session.notice(exc.kind, exc.user_message, "error")
            return
        except Exception as exc:  # never let one page take the session down
            # the type only: messages of parser errors may quote page content
            log.error("pipeline failed: %s", type(exc).__name__)
            hub.broadcast(Msg.LOADING, {"url": None})
            session.notice("pipeline", "Diese Seite kann nicht angezeigt werden.", "error")
            return
        if session.ended:
            return
        session.page = page
        session.page_no += 1
        if not session.visited or session.visited[-1]["url"] != page.url:
            session.visited.append({"url": page.url, "title": page.title or page.url})
        hub.broadcast(
            Msg.SNAPSHOT,
            {"page": session.page_no, "url": page.url, "title": page.title, "tree": page.tree},
        )

    async def cancel(self, session: CoSession) -> None:
        task = session.nav_task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
