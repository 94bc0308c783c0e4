"""One exception tree for the relay.

Every error that can reach a user carries a German ``user_message`` saying
what to do next (from :mod:`cobrowse.i18n_catalogue`; ``message_key`` is its
catalogue id); the exception text itself is for logs only and must never
contain page content, access codes or IP addresses.
"""

from __future__ import annotations

from typing import ClassVar

from cobrowse.i18n_catalogue import DE

__all__ = [
    "CobrowseError",
    "ConfigError",
    "FetchError",
    "JoinError",
    "ProtocolError",
    "RenderError",
]


class CobrowseError(Exception):
    """Base of every relay error."""

    user_message = DE["error_generic"]


class ConfigError(CobrowseError):
    """The configuration file is missing, malformed or has a bad value."""


class ProtocolError(CobrowseError):
    """A client sent a frame that violates the wire protocol."""


class JoinError(CobrowseError):
    """A join attempt with an access code failed; ``kind`` says why."""

    MESSAGES: ClassVar[dict[str, str]] = {
        kind: DE[f"join_{kind}"]
        for kind in ("malformed", "unknown", "expired", "throttled", "full")
    }

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind
        self.message_key = f"join_{kind}"  # catalogue id (cobrowse.i18n)
        self.user_message = self.MESSAGES[kind]


class FetchError(CobrowseError):
    """A page or resource could not be fetched; ``kind`` says why."""

    # Shown to everyone in the session, so they say what happened, that the
    # page shown so far stays, and what the advisor can do. The notice key is
    # ``kind``; the catalogue id ``notice_<kind>`` (cobrowse.i18n).
    MESSAGES: ClassVar[dict[str, str]] = {
        kind: DE[f"notice_{kind}"]
        for kind in (
            "not_allowed",
            "invalid_url",
            "unreachable",
            "too_large",
            "bad_status",
            "unsupported",
            "too_many_redirects",
            "bad_redirect",
        )
    }

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.user_message = self.MESSAGES[kind]


class RenderError(FetchError):
    """A page in the relay's own browser (``render = "browser"``) failed:
    ``kind`` is ``render_timeout`` (too slow, or its scripts kept the CPU
    busy), ``render_crashed`` (it ran out of memory, or the browser died) or
    ``render_unavailable`` (no browser could be started). The page is closed;
    the participants keep the page they had."""

    MESSAGES: ClassVar[dict[str, str]] = {
        kind: DE[f"notice_{kind}"]
        for kind in ("render_timeout", "render_crashed", "render_unavailable")
    }
