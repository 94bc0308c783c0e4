"""The ``/r/<token>`` route: serve a page's images, stylesheets, fonts and downloads.

See :mod:`cobrowse.resources` for tokens and the shared cache. Only
participants of the token's session are served (403 for anyone else); what
comes back must have a content type that fits the token's kind; stylesheets
are sanitized (their own ``url()``s become tokens of the same session);
downloads (PDF and other files) are always attachments. Every answer carries
a sandboxing CSP and ``nosniff``, so not even an SVG image opened on its own
can run script on the relay's origin.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from functools import partial
from typing import Final
from urllib.parse import quote, unquote, urlsplit

from aiohttp import web

from cobrowse.console import current_advisor
from cobrowse.errors import FetchError
from cobrowse.fetch import FetchResult
from cobrowse.keys import FETCHER, NAVIGATOR, RESOURCE_CACHE, SIGNER, STORE
from cobrowse.pipeline import cached_stylesheet
from cobrowse.resources import ALLOWED_TYPES, BadToken, CachedResource
from cobrowse.web_security import PARTICIPANT_COOKIE

__all__ = ["RESOURCE_CSP", "attachment_header", "resource"]

log = logging.getLogger(__name__)

RESOURCE_CSP: Final = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
_ACCEPT: Final = {
    "image": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
    "style": "text/css,*/*;q=0.1",
}
# Downloads keep these content types (the browser may offer to open them);
# anything else, HTML included, is sent as application/octet-stream.
_DOWNLOAD_TYPES: Final = frozenset(
    "application/pdf text/plain text/csv application/rtf application/zip "
    "application/msword application/vnd.ms-excel application/vnd.ms-powerpoint "
    "application/vnd.oasis.opendocument.text application/vnd.oasis.opendocument.spreadsheet "
    "application/vnd.oasis.opendocument.presentation application/epub+zip "
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document "
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet "
    "application/vnd.openxmlformats-officedocument.presentationml.presentation "
    "image/png image/jpeg image/gif image/webp".split()
)
_UNSAFE_NAME: Final = re.compile(r"[^\w.\-]+")


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


def attachment_header(url: str, upstream: str | None = None) -> str:
    """``Content-Disposition: attachment`` with a safe file name for ``url``.

    The name comes from the origin's own header if it gives one, else from
    the URL's last path segment; anything but letters, digits, ``.-_`` becomes
    ``_``. Non-ASCII names are sent as RFC 5987 ``filename*`` too.
    """
    name = ""
    if upstream:
        match = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)", upstream, re.IGNORECASE)
        name = unquote(match.group(1)) if match else ""
    if not name:
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    name = _UNSAFE_NAME.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip("._")[:120]
    name = name or "download"
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != name:
        header += f"; filename*=UTF-8''{quote(name)}"
    return header


def _media_ok(kind: str, media: str) -> bool:
    return media.startswith(ALLOWED_TYPES[kind])


async def resource(request: web.Request) -> web.StreamResponse:
    """Fetch (or take from the cache) and serve one resource of a mirrored page."""
    try:
        token = request.app[SIGNER].verify(request.match_info["token"])
    except BadToken:
        raise web.HTTPNotFound() from None
    if not _authorized(request, token.session_id):
        raise web.HTTPForbidden()
    fetcher = request.app[FETCHER]

    async def load(validators: Mapping[str, str]) -> FetchResult:
        return await fetcher.fetch(
            token.url,
            max_bytes=fetcher.config.max_resource_bytes,
            accept=_ACCEPT.get(token.kind, "*/*"),
            headers=validators,
        )

    try:
        entry = await request.app[RESOURCE_CACHE].get(token.url, token.kind, load)
    except FetchError as exc:
        log.info("resource fetch failed: %s", exc.kind)
        raise web.HTTPNotFound() from None
    if entry.status >= 300:
        raise web.HTTPNotFound()
    media = (entry.content_type or "").split(";")[0].strip().lower()
    headers = {
        "Cache-Control": "private, max-age=300",
        "Content-Security-Policy": RESOURCE_CSP,
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    body = entry.body
    if token.kind == "download":
        headers["Content-Disposition"] = attachment_header(
            entry.url, entry.headers.get("content-disposition")
        )
        media = media if media in _DOWNLOAD_TYPES else "application/octet-stream"
    elif token.kind == "font" and not media:
        media = "application/octet-stream"
    elif not _media_ok(token.kind, media):
        raise web.HTTPNotFound()
    elif token.kind == "style":
        body = _stylesheet(request, token.session_id, entry)
        media = "text/css; charset=utf-8"
    headers["Content-Type"] = media
    return web.Response(body=body, headers=headers)


def _stylesheet(request: web.Request, session_id: str, entry: CachedResource) -> bytes:
    """The sanitized stylesheet; its URLs become tokens of ``session_id``."""
    charset = "utf-8"
    match = re.search(r"charset=\"?([\w.:-]+)", entry.content_type or "", re.IGNORECASE)
    if match:
        charset = match.group(1)
    elif entry.body.startswith(b'@charset "'):
        charset = entry.body[10:60].split(b'"', 1)[0].decode("ascii", "replace")
    try:
        text = entry.body.decode(charset, errors="replace")
    except LookupError:
        text = entry.body.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    resource_url = partial(request.app[NAVIGATOR].resource_url, session_id, {})
    return cached_stylesheet(text, entry.url, resource_url).encode("utf-8")
