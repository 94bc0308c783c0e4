"""Applying client frames to a session without a WebSocket, through the real table."""

from __future__ import annotations

from functools import cache
from typing import Any

from cobrowse.config import Config
from cobrowse.fetch import Fetcher
from cobrowse.protocol import Msg, parse
from cobrowse.resources import ResourceSigner
from cobrowse.session.call import Call, Services
from cobrowse.session.commands import apply
from cobrowse.session.model import CoSession, Participant
from cobrowse.session.navigation import Navigator
from cobrowse.session.store import SessionStore


@cache
def services() -> Services:
    """Real services of a default config (page moves use none of them)."""
    config = Config()
    navigator = Navigator(Fetcher(config.fetch), ResourceSigner("tests"))
    return Services(SessionStore(config), navigator, show_citizen_pointer=False)


def handle(session: CoSession, who: Participant, kind: Msg, body: dict[str, Any]) -> None:
    """Apply one frame from ``who`` as the WebSocket would (parse, state and role, handler)."""
    apply(Call(services(), session, who), parse(kind, body))
