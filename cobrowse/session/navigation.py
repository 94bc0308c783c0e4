"""What happens when the advisor navigates: fetch, pipeline, snapshot, fan-out.

Only the advisor's actions reach here, and those of the citizen or guest the
advisor handed the lead to (the command table checks roles and the lead).
A newer navigation cancels one still in flight, so the session always ends
up on the page the advisor asked for last. Failures become a German notice
for everyone; the current page stays.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

from cobrowse.config import HostRule
from cobrowse.errors import FetchError
from cobrowse.fetch import Fetcher, FetchResult, normalize_url
from cobrowse.i18n_catalogue import DE
from cobrowse.metrics import RelayMetrics
from cobrowse.page_worker import PageJob, PageWorkers, WorkerDiff, signed_resource_url
from cobrowse.pipeline.page import Page
from cobrowse.protocol import Msg, PackedTree
from cobrowse.resources import ResourceSigner
from cobrowse.session.field_values import FieldValues
from cobrowse.session.model import CoSession
from cobrowse.session.publish import previous_page, publish_page
from cobrowse.tasks import spawn

if TYPE_CHECKING:
    from cobrowse.render import Renderer

__all__ = ["Navigator"]

log = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_READ_BODY_FOR = (*_HTML_TYPES, "")  # no Content-Type at all: try it as HTML
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"


def _with_fragment(page: Page, fragment: str) -> Page:
    """``page`` with the ``#fragment`` its address was asked with (the fetch
    drops it; the clients scroll to it)."""
    if fragment and "#" not in page.url:
        return dataclasses.replace(page, url=f"{page.url}#{fragment}")
    return page


class Navigator:
    """Turns advisor actions (address, link click, form submit) into snapshots."""

    def __init__(
        self,
        fetcher: Fetcher,
        signer: ResourceSigner,
        metrics: RelayMetrics | None = None,
        rules: tuple[HostRule, ...] = (),
        *,
        secret: str = "",
        workers: PageWorkers | None = None,
        renderer: Renderer | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.signer = signer
        # pages are built in worker processes (default: a thread); jobs sign with ``secret``
        self.secret = secret
        self.workers = workers or PageWorkers(0)
        self.metrics = metrics or RelayMetrics()
        self.rules = rules  # the operator's [[rules]] (per-host sanitizing rules)
        # render seam (issue 18): render = "browser" hosts load in the relay's browser
        self.renderer = renderer
        if renderer is not None:
            renderer.navigate = self.navigate  # where a rendered page's own navigation goes

    def navigate(
        self,
        session: CoSession,
        url: str,
        at: int | None = None,
        post: list[tuple[str, str]] | None = None,
        *,
        typed: FieldValues | None = None,
    ) -> None:
        """Start loading ``url`` for ``session``, cancelling a load in flight.

        ``at``: the history entry this is (back/forward/reload); None adds one.
        ``post``: the fields of an allowed POST form to send to ``url``.
        ``typed``: field values to type into the page once it is shown (see
        :meth:`reload`).
        """
        if session.nav_task is not None and not session.nav_task.done():
            session.nav_task.cancel()
        job = self._load(session, url, at, post, typed)
        session.nav_task = spawn(job, "navigate")

    def go(self, session: CoSession, step: int) -> None:
        """Back (-1), reload (0) or forward (1) in the session's history."""
        at = session.history_at + step
        if 0 <= at < len(session.history):
            self.navigate(session, session.history[at], at)

    def reload(self, session: CoSession, typed: FieldValues | None = None) -> None:
        """Load the session's current history entry again (a GET of its
        address: a form is never sent again). ``typed``: the values its fields
        had before (:func:`~cobrowse.session.field_values.typed_values`); a
        rendered page gets them typed into it again where the page loaded
        again has the same fields (a hand-over, cobrowse.cluster.ownership)."""
        at = session.history_at
        if 0 <= at < len(session.history):
            self.navigate(session, session.history[at], at, typed=typed)

    def click(self, session: CoSession, node: int, sender: str | None = None) -> None:
        """The advisor (or the citizen or guest who leads, ``sender``) clicked the
        link with node id ``node`` on the current page."""
        page = session.page
        target = page.links.get(node) if page else None
        if target is None:
            return
        try:
            self.fetcher.check_allowed(target)
        except FetchError:
            host = urlsplit(target).hostname or target
            text = DE["notice_link_not_allowed"].format(host=host)
            params = {"host": host}
            session.advisor_notice("link_not_allowed", text, "warning", params, sender=sender)
            return
        self.navigate(session, target)

    def submit(
        self,
        session: CoSession,
        node: int,
        fields: list[tuple[str, str]],
        submitter: int | None = None,
        *,
        sender: str | None = None,
    ) -> None:
        """The advisor (or the citizen or guest who leads, ``sender``) submitted the
        form ``node`` (with the button ``submitter``, whose own formmethod/formaction
        the pipeline recorded, if any): GET forms navigate, POST forms only where a
        host rule allows them (the sanitizer marked the others)."""
        page = session.page
        if page is None:
            return
        form = page.forms.get(submitter) if submitter is not None else None
        form = form or page.forms.get(node)
        if form is None:
            return
        if form.method == "post" and form.enabled:
            self.navigate(session, form.action, post=fields)
            return
        if form.method.lower() != "get" or not form.enabled:
            text = DE["notice_form_post_blocked"]
            session.advisor_notice("form_post_blocked", text, "warning", sender=sender)
            return
        parts = urlsplit(form.action)
        self.navigate(session, urlunsplit((*parts[:3], urlencode(fields), "")))

    def resource_url(
        self, session_id: str, allowed: dict[str, bool], url: str, kind: str
    ) -> str | None:
        """The signed /r/ path for a resource of an allowed host, else None (dropped)."""
        return signed_resource_url(self.signer, self.fetcher.config, session_id, allowed, url, kind)

    def offer_download(self, session: CoSession, result: FetchResult) -> None:
        """A link led to a file (PDF, …): tell everyone, with a download link via the proxy."""
        name = unquote(urlsplit(result.url).path.rsplit("/", 1)[-1]) or DE["download_unnamed"]
        media = (result.content_type or "").split(";")[0].strip().lower()
        # "message": the catalogue id when it is not notice_<key> (see cobrowse.i18n)
        message = "notice_download_pdf" if media == "application/pdf" else "notice_download"
        text = DE[message].format(name=name[:80])
        link = self.signer.url_for(session.id, "download", result.url)
        body: dict[str, object] = {"key": "download", "message": message, "text": text}
        body |= {"level": "info", "params": {"name": name[:80]}, "link": link}
        body["link_text"] = DE["download"]
        session.hub.broadcast(Msg.NOTICE, body)

    async def _load(
        self,
        session: CoSession,
        url: str,
        at: int | None = None,
        post: list[tuple[str, str]] | None = None,
        typed: FieldValues | None = None,
    ) -> None:
        hub = session.hub
        # The fragment never goes to the server, but the page's address keeps
        # it: the clients scroll to it (a link to a section of another page).
        fragment = url.strip().partition("#")[2]
        try:
            url = normalize_url(url)
            # a refused address must not reach the citizens, not even as LOADING
            self.fetcher.check_allowed(url)
            hub.broadcast(Msg.LOADING, {"url": url})
            started = time.perf_counter()
            if self.renderer is not None and self.renderer.handles(url):
                # render seam (issue 18): the relay's browser loads it, then the same
                # pipeline and _show; failures raise FetchError like a fetch
                await self.renderer.open(
                    session,
                    url,
                    post,
                    self,
                    lambda page, status, posted: self._show(
                        session, _with_fragment(page, fragment), at, status, posted=posted
                    ),
                    typed,
                )
                return
            result = await self.fetcher.fetch(
                url,
                max_bytes=self.fetcher.config.max_page_bytes,
                accept=_ACCEPT,
                method="GET" if post is None else "POST",
                form=post,
                read_body_for=_READ_BODY_FOR,
            )
            self.metrics.fetched("page", started)
            if not result.body_read:
                hub.broadcast(Msg.LOADING, {"url": None})
                self.offer_download(session, result)
                return
            started = time.perf_counter()
            job = PageJob(
                result.body,
                result.content_type,
                result.url,
                session.id,
                self.secret,
                self.fetcher.config,
                self.rules,
                previous_page(session, result.url),  # same site: the worker diffs
            )
            built = await self.workers.build(job)
            page = built.page
            self.metrics.page_built(page.removed, started)
        except asyncio.CancelledError:
            raise
        except FetchError as exc:
            log.info("navigation failed: %s", exc.kind)
            self.metrics.navigation_failed(exc.kind)
            hub.broadcast(Msg.LOADING, {"url": None})
            session.advisor_notice(exc.kind, exc.user_message, "error", others="page_kept")
            return
        except Exception as exc:  # never let one page take the session down
            # the type only: messages of parser errors may quote page content
            log.error("pipeline failed: %s", type(exc).__name__)
            self.metrics.navigation_failed("pipeline")
            hub.broadcast(Msg.LOADING, {"url": None})
            session.advisor_notice("pipeline", DE["notice_pipeline"], "error", others="page_kept")
            return
        if session.ended:
            return
        if self.renderer is not None:
            self.renderer.left(session)  # render seam (issue 18): no longer a rendered page
        page = _with_fragment(page, fragment)
        posted = result.method == "POST"
        self._show(session, page, at, result.status, built.packed, built.diff, posted=posted)

    def _show(
        self,
        session: CoSession,
        page: Page,
        at: int | None,
        status: int = 200,
        packed: PackedTree | None = None,
        done: WorkerDiff | None = None,
        *,
        posted: bool = False,
    ) -> None:
        """``page`` is the session's page now; ``posted``: it answered a POST."""
        session.record_history(page.url, at)
        session.page_posted = posted
        # error pages (404 …) are shown but not worth taking home; the list of
        # visited pages drops repeated addresses itself (cobrowse.session.visits)
        if status < 400 and (not session.visited or session.visited[-1]["url"] != page.url):
            session.visited.append({"url": page.url, "title": page.title or page.url})
        publish_page(session, page, packed, done)  # a snapshot, or a same-site diff

    async def cancel(self, session: CoSession) -> None:
        task = session.nav_task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
