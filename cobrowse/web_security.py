"""The web layer's security helpers: origin checks, CSRF tokens, cookies, headers.

Used by every route module and by :func:`cobrowse.app.make_app` (which installs
:func:`security_headers`). Client keys for throttling are derived here too,
honouring ``trusted_proxies``.
"""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web

from cobrowse.keys import CONFIG

__all__ = [
    "ADVISOR_COOKIE",
    "CSP",
    "FORM_COOKIE",
    "MIRROR_CSP",
    "PARTICIPANT_COOKIE",
    "client_key",
    "form_token",
    "form_token_ok",
    "is_https",
    "same_origin",
    "security_headers",
    "set_cookie",
    "set_form_cookie",
]

# The relay's own pages. Nothing may loosen script-src; inline styles are
# needed for the mirrored page's own style attributes and <style> elements.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; media-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-src 'self'; "
    "frame-ancestors 'none'"
)
# The mirror document is framed by the relay's own pages only.
MIRROR_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")

ADVISOR_COOKIE = "cb_advisor"
PARTICIPANT_COOKIE = "cb_participant"
FORM_COOKIE = "cb_form"


def _from_trusted_proxy(request: web.Request) -> bool:
    return (request.remote or "") in request.app[CONFIG].trusted_proxies


def client_key(request: web.Request) -> str:
    """Opaque per-client key for throttling: the peer address, or behind a
    trusted proxy the nearest untrusted address in ``X-Forwarded-For``.
    Held in memory for the throttle window only; never logged."""
    remote = request.remote or "unknown"
    if not _from_trusted_proxy(request):
        return remote
    trusted = request.app[CONFIG].trusted_proxies
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop[:64]
    return remote


def is_https(request: web.Request) -> bool:
    """Served over TLS, directly or as a trusted proxy's ``X-Forwarded-Proto`` says."""
    if request.secure:
        return True
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return forwarded == "https" and _from_trusted_proxy(request)


def same_origin(request: web.Request) -> bool:
    """True unless the request carries an ``Origin`` of another site (CSRF and WebSocket check).

    ``Origin: null`` (sent with form posts under ``Referrer-Policy: no-referrer``)
    does not pass here; forms prove themselves with :func:`form_token_ok`.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    scheme = "https" if is_https(request) else request.scheme
    return origin == f"{scheme}://{request.host}"


def form_token(request: web.Request) -> str:
    """The double-submit token for the public forms (login, join): the value of
    the ``cb_form`` cookie, or a fresh one that :func:`set_form_cookie` stores."""
    token = request.cookies.get(FORM_COOKIE, "")
    return token if len(token) == 43 else secrets.token_urlsafe(32)


def set_form_cookie(response: web.StreamResponse, request: web.Request, token: str) -> None:
    if request.cookies.get(FORM_COOKIE) != token:
        set_cookie(response, request, FORM_COOKIE, token, 24 * 3600)


def form_token_ok(request: web.Request, submitted: str) -> bool:
    """CSRF check for a posted public form: the field must echo the cookie, and
    an ``Origin`` other than ``null`` must be ours. A cross-site post carries
    no ``SameSite=Strict`` cookie, so it fails."""
    cookie = request.cookies.get(FORM_COOKIE, "")
    origin = request.headers.get("Origin")
    if origin not in (None, "null") and not same_origin(request):
        return False
    return bool(cookie) and hmac.compare_digest(cookie.encode(), submitted.encode())


def set_cookie(
    response: web.StreamResponse, request: web.Request, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.app[CONFIG].secure_cookies or is_https(request),
    )


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: CSP, framing, sniffing, referrer and caching headers."""
    headers = response.headers
    if "Content-Security-Policy" not in headers:
        mirror = request.path == "/spiegel"
        headers["Content-Security-Policy"] = MIRROR_CSP if mirror else CSP
        headers["X-Frame-Options"] = "SAMEORIGIN" if mirror else "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if not request.path.startswith(("/static/", "/r/")):
        headers["Cache-Control"] = "no-store"
