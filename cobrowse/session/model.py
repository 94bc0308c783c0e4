"""The session model: a :class:`CoSession`, its :class:`Participant` s and page state.

Near the leaves of :mod:`cobrowse.session`: it knows the hub it talks
through, the page types and :mod:`cobrowse.session.tree_steps`, nothing of
the store, the commands or the web. Roles and participant states are enums
(:class:`Role`, :class:`State`); they are ``str`` enums, so they go over the
wire and into the shared state as the same strings as before.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, Protocol

from cobrowse.i18n_catalogue import DE
from cobrowse.pipeline.diff import TreeIndex
from cobrowse.pipeline.page import Page
from cobrowse.protocol import (
    Admissions,
    InputSet,
    Msg,
    Notice,
    ParticipantInfo,
    Participants,
    PulseAt,
    Toggle,
    Waiter,
)
from cobrowse.session.hub import SessionHub
from cobrowse.session.tree_steps import IndexBuilder

__all__ = [
    "CLOSE_REMOVED",
    "CONFIRM_ATTEMPTS",
    "REMOVED_MESSAGES",
    "ROLE_LABELS",
    "CoSession",
    "PageState",
    "Participant",
    "Role",
    "State",
]


class Role(StrEnum):
    """Who a participant is. The first joiner is the citizen, later ones guests."""

    ADVISOR = "advisor"
    CITIZEN = "citizen"
    GUEST = "guest"


class State(StrEnum):
    """A joiner is ``PENDING`` until admitted; only ``ACTIVE`` people see the session."""

    PENDING = "pending"
    ACTIVE = "active"
    REMOVED = "removed"


CLOSE_REMOVED: Final = 4010
# German texts from the catalogue (ids ``removed_<reason>``, ``role_<role>``).
REMOVED_MESSAGES: Final = {
    reason: DE[f"removed_{reason}"] for reason in ("denied", "removed", "confirm_failed", "left")
}
MAX_HISTORY: Final = 100
ROLE_LABELS: Final = {role: DE[f"role_{role}"] for role in Role}
CONFIRM_ATTEMPTS: Final = 3


@dataclass(slots=True)
class Participant:
    """A person in a session. A joiner is ``pending`` until the advisor confirms
    the read-back phrase or admits them; only ``active`` participants receive
    anything of the session (see :mod:`cobrowse.ws`)."""

    id: str
    role: Role
    viewport: tuple[int, int] | None = None
    state: State = State.ACTIVE
    phrase: str | None = None  # the read-back phrase while pending with confirmation
    attempts_left: int = CONFIRM_ATTEMPTS
    removed_reason: str = ""  # why a removed person is out (a key of REMOVED_MESSAGES)
    connected: bool = False  # has a live connection (on this node)
    away_since: float | None = None  # epoch seconds the connection dropped, while away
    decided: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.role = Role(self.role)  # plain strings from tests and the shared state
        self.state = State(self.state)

    def describe(self) -> ParticipantInfo:
        return {
            "id": self.id,
            "role": self.role,
            "label": ROLE_LABELS[self.role],
            "state": self.state,
            "viewport": list(self.viewport) if self.viewport else None,
            "connected": self.connected,
            "away_since": self.away_since,
        }


@dataclass(slots=True)
class PageState:
    """What the relay tracks about the current page beyond its tree.

    ``top_id``: no client holds a node id above it (new nodes start above);
    ``index`` is built on the first frame that needs it, or in the
    background by ``indexing`` (see :func:`cobrowse.session.publish.page_state`).
    """

    page_no: int
    top_id: int
    index: TreeIndex | None = None
    indexing: IndexBuilder | None = None
    highlight: int | None = None
    hidden_switch: dict[int, bool] = field(default_factory=dict)
    # form values before the advisor changed them (see PageEdit.originals)
    originals: dict[tuple[int, str], str | None] = field(default_factory=dict)
    # the page's tree as the clients got it (packed wire form), while it is
    # unchanged: ``wire_page`` is that page and ``wire_mark`` the hub's page
    # mark then (see cobrowse.session.publish.previous_page)
    wire: bytes | None = None
    wire_page: Page | None = None
    wire_mark: int = -1

    def top(self) -> int:
        return max(self.top_id, self.index.max_id if self.index else 0)

    def forget_index(self) -> None:
        """Drop the index (and stop building it): the page's tree was replaced."""
        if self.indexing is not None:
            self.indexing.cancel()
        self.index = self.indexing = None


class LivePage(Protocol):
    """A page rendered in the relay's browser (:mod:`cobrowse.render`)."""

    def replay(self, body: PulseAt | Toggle | InputSet) -> bool:
        """Replay an advisor move in the page; True if it needs nothing else."""

    def stop(self) -> None:
        """No more live updates (the session left the page or ended)."""


@dataclass(slots=True)
class CoSession:
    """One advisor's co-browsing session and everything the relay knows about it."""

    id: str
    advisor: str
    code: str
    code_expires_at: float
    created_at: float
    confirm_mode: str = "type"
    hub: SessionHub = field(default_factory=SessionHub)
    participants: dict[str, Participant] = field(default_factory=dict)
    page: Page | None = None
    page_no: int = 0
    # The page is the answer to a sent form (POST): its address alone does
    # not show it again, and the form is never sent again behind anyone's
    # back (a hand-over keeps the picture: cobrowse.cluster.ownership).
    page_posted: bool = False
    visited: list[dict[str, str]] = field(default_factory=list)
    ended: bool = False
    end_reason: str = ""  # why it ended: "advisor", "timeout" (see SessionStore.end)
    nav_task: asyncio.Task[None] | None = None
    last_activity: float = field(default_factory=time.monotonic)
    idle_warned: bool = False
    # Pages the advisor can go back/forward to; ``history_at`` is the current one.
    history: list[str] = field(default_factory=list)
    history_at: int = -1
    interaction: PageState | None = None  # see cobrowse.session.publish
    # render seam (issue 18): the page of the relay's browser everyone is on
    live: LivePage | None = None
    # The citizen or guest the advisor handed the lead to (LEAD): their link
    # clicks, form submits, widgets, typing and scrolling drive the session
    # (see cobrowse.session.commands); None: the advisor leads.
    lead: str | None = None

    def can_lead(self, participant: Participant) -> bool:
        """Whether ``participant`` may hold the lead now: an admitted joiner
        connected to this node (the node that navigates for the session)."""
        return (
            participant.role != Role.ADVISOR
            and participant.state == State.ACTIVE
            and self.participants.get(participant.id) is participant
            and participant.id in self.hub.connections
        )

    def leads(self, participant: Participant) -> bool:
        """Whether the advisor handed the lead to ``participant``."""
        return self.lead is not None and self.lead == participant.id

    def record_history(self, url: str, at: int | None) -> None:
        """The page ``url`` is shown: entry ``at`` (back/forward/reload), or a new
        entry after the current one (dropping what was ahead of it)."""
        if at is not None and 0 <= at < len(self.history):
            self.history[at] = url  # a redirect may have changed it
            self.history_at = at
            return
        del self.history[self.history_at + 1 :]
        if not self.history or self.history[-1] != url:
            self.history.append(url)
        del self.history[:-MAX_HISTORY]
        self.history_at = len(self.history) - 1

    def touch(self) -> None:
        """Something happened: the idle timeout starts again."""
        self.last_activity = time.monotonic()
        self.idle_warned = False

    def presence(self, participant: Participant, connected: bool) -> None:
        """Note whether ``participant`` has a live connection and tell everyone,
        so the citizen sees at once when the advisor is gone (and back)."""
        participant.connected = connected
        participant.away_since = None if connected else time.time()
        if not self.ended:
            self.broadcast_participants()

    def broadcast_participants(self) -> None:
        """Tell everyone who is here (pending joiners included, without phrases)
        and who leads. Every change of who is here comes through here: a leader
        who left, dropped or was removed gives the lead back to the advisor."""
        leader = self.participants.get(self.lead or "")
        if leader is None or not self.can_lead(leader):
            self.lead = None
        body: Participants = {
            "participants": [p.describe() for p in self.participants.values()],
            "lead": self.lead,
        }
        self.hub.broadcast(Msg.PARTICIPANTS, body)
        self.send_admissions()

    def send_admissions(self) -> None:
        """Tell the advisor (only) who waits, with the phrase in "button" mode."""
        waiting: list[Waiter] = [
            {
                "id": p.id,
                "role": p.role,
                "label": ROLE_LABELS[p.role],
                "phrase": p.phrase if self.confirm_mode == "button" else None,
                "confirm": p.phrase is not None,
                "attempts_left": p.attempts_left,
            }
            for p in self.participants.values()
            if p.state == State.PENDING
        ]
        body: Admissions = {"waiting": waiting, "mode": self.confirm_mode}
        self.hub.send_to(Role.ADVISOR, Msg.ADMISSIONS, body)

    def notice(
        self, key: str, text: str, level: str = "info", params: dict[str, str] | None = None
    ) -> None:
        """Tell everyone: German ``text``; clients show catalogue id ``notice_<key>``
        filled with ``params`` in their own language when they have it."""
        body: Notice = {"key": key, "text": text, "level": level}
        if params:
            body["params"] = params
        self.hub.broadcast(Msg.NOTICE, body)

    def advisor_notice(
        self,
        key: str,
        text: str,
        level: str = "warning",
        params: dict[str, str] | None = None,
        *,
        others: str | None = None,
        sender: str | None = None,
    ) -> None:
        """Something the advisor did did not work: ``text`` (catalogue id
        ``notice_<key>``) goes to the advisor only, in words meant for them.
        ``others``: the catalogue key (``notice_<others>``) of a plain notice for
        everyone else, e.g. that they still see the page they saw; None tells
        them nothing (nothing changed for them). ``sender``: the leading citizen
        or guest whose move it was (``LEAD``); they get ``text`` too, so
        ``text`` must then be plain words for anyone."""
        body: Notice = {"key": key, "text": text, "level": level}
        if params:
            body["params"] = params
        self.hub.send_to(Role.ADVISOR, Msg.NOTICE, body)
        if sender is not None and sender != Role.ADVISOR:
            self.hub.send_to(sender, Msg.NOTICE, body)
        if others is not None:
            calm: Notice = {"key": others, "text": DE[f"notice_{others}"], "level": "info"}
            self.hub.broadcast(Msg.NOTICE, calm, exclude=Role.ADVISOR)
