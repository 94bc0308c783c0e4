"""The ``/r/<token>`` route: serve a page's images, stylesheets and fonts.

See :mod:`cobrowse.resources` for tokens. Only participants of the token's
session are served; stylesheets are sanitized (their own ``url()``s become
tokens again); every answer carries a sandboxing CSP and ``nosniff``.
"""

from __future__ import annotations

import logging
from functools import partial

from aiohttp import web

from cobrowse.appkeys import FETCHER, NAVIGATOR, PARTICIPANT_COOKIE, SIGNER, STORE
from cobrowse.console import current_advisor
from cobrowse.errors import FetchError
from cobrowse.pipeline import sanitize_stylesheet
from cobrowse.resources import ALLOWED_TYPES, BadToken

__all__ = ["resource"]

log = logging.getLogger(__name__)

RESOURCE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"


def _authorized(request: web.Request, session_id: str) -> bool:
    store = request.app[STORE]
    session = store.get(session_id)
    if session is None:
        return False
    login = current_advisor(request)
    if login is not None and login.name == session.advisor:
        return True
    found = store.by_token(request.cookies.get(PARTICIPANT_COOKIE))
    return found is not None and found[0].id == session_id


async def resource(request: web.Request) -> web.StreamResponse:
    """Fetch and serve one resource of a mirrored page."""
    try:
        token = request.app[SIGNER].verify(request.match_info["token"])
    except BadToken:
        raise web.HTTPNotFound() from None
    if not _authorized(request, token.session_id):
        raise web.HTTPForbidden()
    fetcher = request.app[FETCHER]
    try:
        result = await fetcher.fetch(token.url, max_bytes=fetcher.config.max_resource_bytes)
    except FetchError as exc:
        log.info("resource fetch failed: %s", exc.kind)
        raise web.HTTPNotFound() from None
    if result.status >= 400:
        raise web.HTTPNotFound()
    media = (result.content_type or "").split(";")[0].strip().lower()
    if token.kind == "font" and not media:
        media = "application/octet-stream"
    if not media.startswith(ALLOWED_TYPES[token.kind]):
        raise web.HTTPNotFound()
    body = result.body
    if token.kind == "style":
        charset = "utf-8"
        if "charset=" in (result.content_type or ""):
            charset = (result.content_type or "").split("charset=")[1].split(";")[0].strip()
        try:
            text = body.decode(charset, errors="replace")
        except LookupError:
            text = body.decode("utf-8", errors="replace")
        navigator = request.app[NAVIGATOR]
        resource_url = partial(navigator.resource_url, token.session_id, {})
        body = sanitize_stylesheet(text, result.url, resource_url).encode("utf-8")
        media = "text/css; charset=utf-8"
    return web.Response(
        body=body,
        headers={
            "Content-Type": media,
            "Cache-Control": "private, max-age=300",
            "Content-Security-Policy": RESOURCE_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )
