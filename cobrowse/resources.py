"""Resource proxy: ``/r/<token>`` serves images, stylesheets and fonts.

Every resource URL in a mirrored page is replaced by a signed token bound to
the co-browsing session, so participants' browsers only ever talk to the
relay. The proxy serves a token only to a participant of that session,
fetches through the SSRF-safe :class:`Fetcher`, accepts only the content
types that fit the token's kind, sanitizes stylesheets, and answers with a
sandboxing CSP so nothing it serves can run script on the relay's origin.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

from cobrowse.errors import CobrowseError

__all__ = ["ALLOWED_TYPES", "ResourceSigner", "ResourceToken"]

# kind → content types the proxy will serve for it (by media type prefix).
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "image": ("image/",),
    "style": ("text/css",),
    "font": (
        "font/",
        "application/font",
        "application/x-font",
        "application/vnd.ms-fontobject",
        "application/octet-stream",
    ),
    "media": ("video/", "audio/"),
}


class BadToken(CobrowseError):
    """A resource token was forged, truncated or is for another kind."""


@dataclass(frozen=True, slots=True)
class ResourceToken:
    session_id: str
    kind: str
    url: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ResourceSigner:
    """Signs and verifies resource tokens with the relay's secret key (HMAC-SHA256)."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"cobrowse-resource:" + secret.encode("utf-8")).digest()

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest()[:18])

    def url_for(self, session_id: str, kind: str, url: str) -> str:
        """The relay path that serves ``url`` to participants of ``session_id``."""
        payload = _b64(json.dumps([session_id, kind, url], separators=(",", ":")).encode("utf-8"))
        return f"/r/{payload}.{self._mac(payload)}"

    def verify(self, token: str) -> ResourceToken:
        """Decode a token from the path; raises :class:`BadToken` unless it is genuine."""
        payload, _, mac = token.partition(".")
        if not payload or not hmac.compare_digest(
            mac.encode("ascii", "replace"), self._mac(payload).encode("ascii")
        ):
            raise BadToken("bad signature")
        try:
            session_id, kind, url = json.loads(_unb64(payload))
        except (ValueError, TypeError):
            raise BadToken("bad payload") from None
        if kind not in ALLOWED_TYPES or not all(isinstance(v, str) for v in (session_id, url)):
            raise BadToken("bad payload")
        return ResourceToken(session_id, kind, url)
