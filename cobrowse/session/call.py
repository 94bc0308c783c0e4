"""What a command handler gets: the frame's sender, its session, the relay's services.

A small leaf beside :mod:`cobrowse.session.commands`, so the handler modules
(:mod:`~cobrowse.session.moves`, :mod:`~cobrowse.session.admission`) can name
these types without importing the table that imports them.
"""

from __future__ import annotations

from dataclasses import dataclass

from cobrowse.session.model import CoSession, Participant
from cobrowse.session.navigation import Navigator
from cobrowse.session.store import SessionStore

__all__ = ["Call", "Services"]


@dataclass(frozen=True, slots=True)
class Services:
    """What commands may use beyond the session: one per app (``keys.SERVICES``)."""

    store: SessionStore
    navigator: Navigator
    show_citizen_pointer: bool  # [sessions] show_citizen_pointer


@dataclass(frozen=True, slots=True)
class Call:
    """One client frame being applied: by ``participant`` in ``session``."""

    services: Services
    session: CoSession
    participant: Participant
