"""Wire protocol shared by the relay and the browser client.

Every WebSocket message is one binary frame holding a msgpack array
``[type, seq, body]``. ``type`` is a :class:`Msg` value, ``seq`` the session's
sequence number for ordered server frames (0 for per-connection and
latest-wins frames, and for everything a client sends), ``body`` a map.

The numeric enum is mirrored by ``client_js/protocol.js``; a test checks that
both agree. Bump :data:`PROTOCOL_VERSION` on any incompatible change.

Each body has one type here: a frozen dataclass per client message (built and
checked once by :func:`parse`; an int is never a bool, node ids are
``0 <= id < 2**31``, fractions are finite and clamped) and a ``TypedDict``
per server message. The ``{…}`` shapes below are checked against those types
by ``tests/test_protocol.py`` (``?``: the key may be missing; ``nil``: may be
nil), so this list cannot go stale.

Node trees (snapshot bodies and mutation adds) are, in the relay and after
decoding, nested arrays:

* element: ``[id, tag, attrs, children]`` — ``tag`` lower-case; SVG elements
  are prefixed ``svg:`` and MathML elements ``math:``; ``attrs`` maps
  attribute names to string values (``xlink:href`` uses the XLink namespace).
* text: ``[id, text]``.

On the wire every tree (the snapshot's ``tree``, each add's node) is sent
compactly (:func:`wire_tree`; :func:`expand_tree` and client_js/protocol.js
undo it):

* ids are implicit: nodes are numbered in document order from 1, each node
  one above the node before it; a node whose id is not the next number is
  wrapped as ``[-id, node]`` and the count goes on from it (after a
  same-site diff, and for every add's root);
* strings (tags, attribute names and values, texts) form a table per tree,
  in the order they are read: a string sent as itself is appended, an
  integer ``n ≥ 0`` in a string's place stands for table entry ``n``;
* text: a string (or table index);
* element: ``[tag]`` or ``[tag, attrs, child, child, …]``, ``attrs`` nil or
  ``[name, value, name, value, …]``; the table reads tag, then the names and
  values, then the children.

A server frame whose packed body is at least :data:`DEFLATE_MIN` bytes is
sent once compressed, for every connection: its ``body`` is then binary, the
raw deflate (RFC 1951) of the packed map; clients inflate it
(``DecompressionStream("deflate-raw")``) and handle the frames in order.
Clients never send compressed frames.

Server → client bodies:

* ``WELCOME`` ``{version, role, participant, session, show_pointer}`` — ``show_pointer``
  (citizens): send ``POINTER_MOVE``, the advisor sees the citizen's pointer
* ``SNAPSHOT`` ``{page, url, title, history, tree}`` — ``history``: ``{back, forward}``
* ``MUTATIONS`` ``{page, texts, attributes, removes, adds, navigate?}`` — ``texts``:
  ``[[id, text]]``, ``attributes``: ``[[id, {name: value|nil}]]``, ``removes``: ``[id]``,
  ``adds``: ``[[parent_id, next_id|nil, node]]``; with ``navigate`` (``{page, url, title,
  history}``) the batch turns page ``page`` into the next one (same-site diff; new nodes
  have ids above every old one)
* ``POINTER`` ``{node, x?, y?}`` — fractions inside the node's box; nil ``node`` hides it.
  For an element that wraps over several lines (a long link), ``x`` is the fraction
  along its line boxes laid end to end and ``y`` of the line's height (the same as
  the plain reading for one line; see client_js/pointer.js ``locate``)
* ``SCROLL`` ``{page, node, offset, jump}`` — ``offset``: how many of the node's
  heights its top lies above the viewport's top; ``jump``: an in-page link, everyone follows
* ``HOVER`` ``{page, node, focus, ring}`` — the advisor's hovered and focused
  elements (ids or nil; ``ring``: keyboard focus); see :mod:`cobrowse.pipeline.hover`
* ``PULSE`` ``{page, node, x, y}`` — the advisor clicked there (fractions like ``POINTER``)
* ``CITIZEN_POINTER`` ``{participant, node, x, y}`` — advisor only, when
  ``[sessions] show_citizen_pointer`` is on: a citizen's pointer (like ``POINTER``)
* ``PARTICIPANTS`` ``{participants, lead}`` — ``participants``: ``[{id, role, label, state,
  viewport: [w, h]|nil, connected, away_since|nil}]``; ``connected``: has a live connection;
  ``away_since``: epoch seconds it dropped (sent again on every change); ``lead``: the id of
  the citizen or guest the advisor handed the lead to (``LEAD``), nil while the advisor leads
* ``NOTICE`` ``{key, text, level, params?, message?, link?, link_text?}`` — ``text`` is the
  German message; clients may show catalogue id ``message`` (default ``notice_<key>``)
  with ``params`` in their own language instead (see :mod:`cobrowse.i18n`); ``link``
  (with German ``link_text``): a download through the relay
* ``LOADING`` ``{url}`` — a page is being fetched; nil when done or failed
* ``ENDED`` ``{reason, visited, summary?}`` — ``visited``: ``[{url, title}]``, each page
  once, error pages left out; ``summary``: ``{operator, hotline, advisor, started_at,
  ended_at}`` (not to a joiner still waiting, who gets ``visited`` empty)
* ``ADMISSIONS`` ``{waiting, mode}`` — advisor only; ``waiting``: ``[{id, role, label,
  phrase|nil, confirm, attempts_left}]``, ``phrase`` only in "button" mode
* ``WAITING`` ``{phrase, reason}`` — to a pending joiner (``reason``: "confirm" or
  "admit"), who gets nothing else of the session until admitted
* ``CODE`` ``{code, expires_at}`` — advisor only: a new code, or nil (both) when revoked
* ``IDLE_WARNING`` ``{seconds}`` — the session ends unless someone acts (``EXTEND``)
* ``ALIVE`` ``{}`` — the relay is still there: sent when nothing else was for a moment, so
  a client that hears nothing for a few seconds knows its connection is dead
  (:mod:`cobrowse.ws_liveness`)

Client → server bodies (who may send which: :mod:`cobrowse.session.commands`):

* ``HELLO`` ``{version, viewport?, last_seq?}`` — must be the first frame; ``viewport``:
  ``[w, h]``; ``last_seq``: the last ordered frame a reconnecting client has
* ``NAVIGATE`` ``{url}``, ``CLICK`` ``{node}``, ``SUBMIT`` ``{node, fields, submitter?}`` —
  ``fields``: ``[[name, value]]``; ``submitter``: the node id of the button used, whose
  own formmethod/formaction the pipeline recorded
* ``POINTER_MOVE`` ``{node, x?, y?}`` — ``x``/``y`` needed unless ``node`` is nil
* ``LEAVE`` ``{}``, ``END`` ``{}``, ``NEW_CODE`` ``{}``, ``EXTEND`` ``{}`` (keep the idle session)
* ``VIEWPORT`` ``{viewport}`` — the mirror's size changed
* ``ADMIT`` ``{participant, phrase?}``, ``DENY`` ``{participant}``, ``REMOVE`` ``{participant}``
* ``LEAD`` ``{participant}`` — hand the lead to that citizen or guest; nil: take it back
* each with the ``page`` it is meant for (frames for an older page are dropped):
  ``SCROLL_TO`` ``{page, node, offset?, jump?}``, ``HOVER_AT`` ``{page, node?, focus?,
  ring?}``, ``PULSE_AT`` ``{page, node, x?, y?}``, ``TOGGLE`` ``{page, node}`` (widget),
  ``HIGHLIGHT_SET`` ``{page, node?}``, ``INPUT_SET`` ``{page, node, value?, checked?,
  selected?}`` (never for masked fields)
* ``HISTORY_GO`` ``{step}`` — -1 back, 0 reload, 1 forward
"""

# No ``from __future__ import annotations``: the TypedDicts' NotRequired keys
# must be visible at runtime (for :func:`shape` and its test).
import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Any, ClassVar, Literal, NotRequired, Self, TypedDict

import msgpack

from cobrowse.errors import ProtocolError
from cobrowse.pipeline.collector import COLLECTOR_PAUSED

__all__ = [
    "CLIENT_TYPES",
    "DEFLATE_MIN",
    "MAX_INBOUND_BYTES",
    "PROTOCOL_VERSION",
    "ClientMessage",
    "Frame",
    "Msg",
    "PackedTree",
    "decode",
    "encode",
    "expand_tree",
    "pack_tree",
    "packed_size",
    "parse",
    "read_frame",
    "shape",
    "wire_tree",
]

PROTOCOL_VERSION = 2

# Largest frame a client may send; anything larger closes that connection.
MAX_INBOUND_BYTES = 64 * 1024

# Server frames whose packed body has at least this many bytes go out deflated.
# Below it the saving is a few dozen bytes and not worth the client's
# asynchronous inflate (pointer frames stay plain).
DEFLATE_MIN = 1024
# zlib level: 6 is ~10 % smaller than 1 on the corpus and compresses a frame
# once per broadcast, not per connection (docs/benchmarks.md, "snapshot").
DEFLATE_LEVEL = 6
# Largest body :func:`read_frame` inflates (frames of this relay's own nodes).
MAX_INFLATED_BYTES = 512 * 1024 * 1024


class Msg(IntEnum):
    """Message types. 1–31 server → client, 64–95 client → server."""

    WELCOME = 1
    SNAPSHOT = 2
    MUTATIONS = 3
    POINTER = 4
    SCROLL = 5
    HOVER = 6
    PULSE = 7
    CITIZEN_POINTER = 8
    PARTICIPANTS = 9
    NOTICE = 10
    ENDED = 11
    LOADING = 12
    ADMISSIONS = 20
    WAITING = 21
    CODE = 22
    IDLE_WARNING = 23
    ALIVE = 24

    HELLO = 64
    NAVIGATE = 65
    CLICK = 66
    POINTER_MOVE = 67
    SUBMIT = 68
    LEAVE = 69
    END = 70
    VIEWPORT = 71
    SCROLL_TO = 72
    HOVER_AT = 73
    INPUT_SET = 74
    TOGGLE = 75
    HIGHLIGHT_SET = 76
    PULSE_AT = 77
    HISTORY_GO = 78
    LEAD = 79
    ADMIT = 88
    DENY = 89
    REMOVE = 90
    NEW_CODE = 91
    EXTEND = 92


CLIENT_TYPES = frozenset(m for m in Msg if m >= 64)

Frame = tuple[Msg, int, dict[str, Any]]
Body = Mapping[str, object]

# --- validators: every client value is checked here, once -----------------------

MAX_NODE_ID = 2**31
MAX_SCROLL_OFFSET = 1000.0
MAX_VIEWPORT = 20000
MAX_FIELDS = 200
MAX_OPTIONS = 1000


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def node_id(body: Body, key: str) -> int:
    """``body[key]`` as a node id (``0 <= id < 2**31``, never a bool)."""
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < MAX_NODE_ID:
        raise ProtocolError(f"{key} is not a node id")
    return value


def optional_node_id(body: Body, key: str) -> int | None:
    """Like :func:`node_id`; missing or nil is None."""
    return None if body.get(key) is None else node_id(body, key)


def number(body: Body, key: str, low: float, high: float, default: float | None = None) -> float:
    """``body[key]`` as a finite number clamped to ``[low, high]``; ``default`` when
    missing (None: required)."""
    value = body.get(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ProtocolError(f"{key} is not a number")
    return min(high, max(low, float(value)))


def fraction(body: Body, key: str, default: float | None = None) -> float:
    """A position inside a box: a number clamped to ``[0, 1]``."""
    return number(body, key, 0.0, 1.0, default)


def flag(body: Body, key: str) -> bool:
    """``body[key]`` as true/false; missing is false."""
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise ProtocolError(f"{key} is not true/false")
    return value


def page_no(body: Body) -> int:
    """The ``page`` a frame is meant for."""
    value = body.get("page")
    if not _is_int(value):
        raise ProtocolError("page is not a number")
    assert isinstance(value, int)
    return value


def viewport(value: object) -> tuple[int, int]:
    """``[w, h]``, each ``1 … 20000``."""
    if isinstance(value, list) and len(value) == 2:
        w, h = value
        if _is_int(w) and _is_int(h) and 0 < w <= MAX_VIEWPORT and 0 < h <= MAX_VIEWPORT:
            return w, h
    raise ProtocolError("bad viewport")


def text(body: Body, key: str, limit: int | None = None) -> str:
    value = body.get(key)
    if not isinstance(value, str) or (limit is not None and len(value) > limit):
        raise ProtocolError(f"{key} is not a string")
    return value


def participant_id(body: Body) -> str:
    value = body.get("participant")
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise ProtocolError("participant is not an id")
    return value


def form_fields(value: object) -> tuple[tuple[str, str], ...]:
    """``[[name, value]]``, at most 200; names cut at 200, values at 2000 characters."""
    if not isinstance(value, list) or len(value) > MAX_FIELDS:
        raise ProtocolError("bad form fields")
    out = []
    for item in value:
        if not (
            isinstance(item, list) and len(item) == 2 and all(isinstance(v, str) for v in item)
        ):
            raise ProtocolError("bad form field")
        out.append((item[0][:200], item[1][:2000]))
    return tuple(out)


def positions(value: object) -> tuple[int, ...]:
    """A list of option positions (``INPUT_SET`` of a select)."""
    if not (
        isinstance(value, list) and len(value) <= MAX_OPTIONS and all(_is_int(i) for i in value)
    ):
        raise ProtocolError("selected is not a list of positions")
    return tuple(value)


# --- client → server ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hello:
    """The first frame. A client of another ``version`` gets only a "reload" close,
    so the rest of its body is not checked (its shape may differ); a version
    that is no integer (``True`` and ``1.0`` are == 1) is a protocol error."""

    MSG: ClassVar = Msg.HELLO
    version: int
    viewport: tuple[int, int] | None = None
    last_seq: int = 0

    @classmethod
    def parse(cls, body: Body) -> "Hello":
        version = body.get("version")
        if type(version) is not int:
            raise ProtocolError("version is not an integer")
        if version != PROTOCOL_VERSION:
            return cls(version)
        size = None if "viewport" not in body else viewport(body["viewport"])
        last_seq = body.get("last_seq", 0)
        if not isinstance(last_seq, int) or isinstance(last_seq, bool) or last_seq < 0:
            raise ProtocolError("bad last_seq")
        return cls(PROTOCOL_VERSION, size, last_seq)


@dataclass(frozen=True, slots=True)
class Navigate:
    MSG: ClassVar = Msg.NAVIGATE
    url: str

    @classmethod
    def parse(cls, body: Body) -> "Navigate":
        return cls(text(body, "url"))


@dataclass(frozen=True, slots=True)
class Click:
    MSG: ClassVar = Msg.CLICK
    node: int

    @classmethod
    def parse(cls, body: Body) -> "Click":
        return cls(node_id(body, "node"))


@dataclass(frozen=True, slots=True)
class Submit:
    """``submitter``: the button used, whose own formmethod/formaction the pipeline
    recorded under its node id (None: the form's own method and action)."""

    MSG: ClassVar = Msg.SUBMIT
    node: int
    fields: tuple[tuple[str, str], ...]
    submitter: int | None = None

    @classmethod
    def parse(cls, body: Body) -> "Submit":
        fields = form_fields(body.get("fields"))
        return cls(node_id(body, "node"), fields, optional_node_id(body, "submitter"))


@dataclass(frozen=True, slots=True)
class PointerMove:
    """``node`` None hides the pointer (``x``/``y`` are then not read)."""

    MSG: ClassVar = Msg.POINTER_MOVE
    node: int | None
    x: float = 0.0
    y: float = 0.0

    @classmethod
    def parse(cls, body: Body) -> "PointerMove":
        if body.get("node") is None:
            return cls(None)
        return cls(node_id(body, "node"), fraction(body, "x"), fraction(body, "y"))


class NoBody:
    """A client message whose body carries nothing (extra keys are ignored)."""

    __slots__ = ()

    @classmethod
    def parse(cls, body: Body) -> Self:
        return cls()


@dataclass(frozen=True, slots=True)
class Leave(NoBody):
    MSG: ClassVar = Msg.LEAVE


@dataclass(frozen=True, slots=True)
class End(NoBody):
    MSG: ClassVar = Msg.END


@dataclass(frozen=True, slots=True)
class Viewport:
    MSG: ClassVar = Msg.VIEWPORT
    viewport: tuple[int, int]

    @classmethod
    def parse(cls, body: Body) -> "Viewport":
        return cls(viewport(body.get("viewport")))


@dataclass(frozen=True, slots=True)
class ScrollTo:
    MSG: ClassVar = Msg.SCROLL_TO
    page: int
    node: int
    offset: float = 0.0
    jump: bool = False

    @classmethod
    def parse(cls, body: Body) -> "ScrollTo":
        offset = number(body, "offset", -MAX_SCROLL_OFFSET, MAX_SCROLL_OFFSET, 0)
        return cls(page_no(body), node_id(body, "node"), offset, flag(body, "jump"))


@dataclass(frozen=True, slots=True)
class HoverAt:
    MSG: ClassVar = Msg.HOVER_AT
    page: int
    node: int | None = None
    focus: int | None = None
    ring: bool = False

    @classmethod
    def parse(cls, body: Body) -> "HoverAt":
        node, focus = optional_node_id(body, "node"), optional_node_id(body, "focus")
        return cls(page_no(body), node, focus, flag(body, "ring"))


@dataclass(frozen=True, slots=True)
class PulseAt:
    MSG: ClassVar = Msg.PULSE_AT
    page: int
    node: int
    x: float = 0.0
    y: float = 0.0

    @classmethod
    def parse(cls, body: Body) -> "PulseAt":
        x, y = fraction(body, "x", 0), fraction(body, "y", 0)
        return cls(page_no(body), node_id(body, "node"), x, y)


@dataclass(frozen=True, slots=True)
class Toggle:
    MSG: ClassVar = Msg.TOGGLE
    page: int
    node: int

    @classmethod
    def parse(cls, body: Body) -> "Toggle":
        return cls(page_no(body), node_id(body, "node"))


@dataclass(frozen=True, slots=True)
class HighlightSet:
    """``node`` None clears the highlight."""

    MSG: ClassVar = Msg.HIGHLIGHT_SET
    page: int
    node: int | None = None

    @classmethod
    def parse(cls, body: Body) -> "HighlightSet":
        return cls(page_no(body), optional_node_id(body, "node"))


@dataclass(frozen=True, slots=True)
class InputSet:
    """A field's new state: ``value`` (text), ``checked`` (box) or ``selected``
    (select); which one a field needs is checked against the field itself."""

    MSG: ClassVar = Msg.INPUT_SET
    page: int
    node: int
    value: str | None = None
    checked: bool | None = None
    selected: tuple[int, ...] | None = None

    @classmethod
    def parse(cls, body: Body) -> "InputSet":
        value = None if body.get("value") is None else text(body, "value")
        checked = None if "checked" not in body else flag(body, "checked")
        selected = None if body.get("selected") is None else positions(body["selected"])
        return cls(page_no(body), node_id(body, "node"), value, checked, selected)


@dataclass(frozen=True, slots=True)
class HistoryGo:
    MSG: ClassVar = Msg.HISTORY_GO
    step: Literal[-1, 0, 1]

    @classmethod
    def parse(cls, body: Body) -> "HistoryGo":
        step = body.get("step")
        if step == -1 and _is_int(step):
            return cls(-1)
        if step == 0 and _is_int(step):
            return cls(0)
        if step == 1 and _is_int(step):
            return cls(1)
        raise ProtocolError("step is not -1, 0 or 1")


@dataclass(frozen=True, slots=True)
class Admit:
    """``phrase``: the read-back phrase the advisor heard; None: a click."""

    MSG: ClassVar = Msg.ADMIT
    participant: str
    phrase: str | None = None

    @classmethod
    def parse(cls, body: Body) -> "Admit":
        heard = None if body.get("phrase") is None else text(body, "phrase", 200)
        return cls(participant_id(body), heard)


@dataclass(frozen=True, slots=True)
class Deny:
    MSG: ClassVar = Msg.DENY
    participant: str

    @classmethod
    def parse(cls, body: Body) -> "Deny":
        return cls(participant_id(body))


@dataclass(frozen=True, slots=True)
class Remove:
    MSG: ClassVar = Msg.REMOVE
    participant: str

    @classmethod
    def parse(cls, body: Body) -> "Remove":
        return cls(participant_id(body))


@dataclass(frozen=True, slots=True)
class Lead:
    """``participant``: who leads from now on; None: the advisor takes the lead back."""

    MSG: ClassVar = Msg.LEAD
    participant: str | None

    @classmethod
    def parse(cls, body: Body) -> "Lead":
        if "participant" not in body:
            raise ProtocolError("participant is missing")
        return cls(None if body["participant"] is None else participant_id(body))


@dataclass(frozen=True, slots=True)
class NewCode(NoBody):
    MSG: ClassVar = Msg.NEW_CODE


@dataclass(frozen=True, slots=True)
class Extend(NoBody):
    MSG: ClassVar = Msg.EXTEND


ClientMessage = (
    Hello
    | Navigate
    | Click
    | Submit
    | PointerMove
    | Leave
    | End
    | Viewport
    | ScrollTo
    | HoverAt
    | PulseAt
    | Toggle
    | HighlightSet
    | InputSet
    | HistoryGo
    | Admit
    | Deny
    | Remove
    | Lead
    | NewCode
    | Extend
)
CLIENT_BODIES: dict[Msg, type[ClientMessage]] = {
    cls.MSG: cls
    for cls in (
        Hello,
        Navigate,
        Click,
        Submit,
        PointerMove,
        Leave,
        End,
        Viewport,
        ScrollTo,
        HoverAt,
        PulseAt,
        Toggle,
        HighlightSet,
        InputSet,
        HistoryGo,
        Admit,
        Deny,
        Remove,
        Lead,
        NewCode,
        Extend,
    )
}
# The optional keys of client bodies (a dataclass field with a default is not
# always optional on the wire: see each ``parse``).
_CLIENT_OPTIONAL: dict[Msg, frozenset[str]] = {
    Msg.HELLO: frozenset({"viewport", "last_seq"}),
    Msg.POINTER_MOVE: frozenset({"x", "y"}),
    Msg.SCROLL_TO: frozenset({"offset", "jump"}),
    Msg.HOVER_AT: frozenset({"node", "focus", "ring"}),
    Msg.PULSE_AT: frozenset({"x", "y"}),
    Msg.HIGHLIGHT_SET: frozenset({"node"}),
    Msg.INPUT_SET: frozenset({"value", "checked", "selected"}),
    Msg.ADMIT: frozenset({"phrase"}),
    Msg.SUBMIT: frozenset({"submitter"}),
}


def parse(kind: Msg, body: Body) -> ClientMessage:
    """The typed body of a client frame ``kind`` (from :func:`decode`); raises
    :class:`ProtocolError` naming what is wrong."""
    cls = CLIENT_BODIES.get(kind)
    if cls is None:
        raise ProtocolError(f"{kind.name} is not a client message")
    return cls.parse(body)


# --- server → client -----------------------------------------------------------------


class Welcome(TypedDict):
    version: int
    role: str
    participant: str
    session: str
    show_pointer: bool


class History(TypedDict):
    back: bool
    forward: bool


class PageInfo(TypedDict):
    """What every participant is told about a page (also ``MUTATIONS.navigate``)."""

    page: int
    url: str
    title: str
    history: History


class Snapshot(PageInfo):
    tree: list[Any]


class Mutations(TypedDict):
    page: int
    texts: list[Any]
    attributes: list[Any]
    removes: list[int]
    adds: list[Any]
    navigate: NotRequired[PageInfo]


class Pointer(TypedDict):
    node: int | None
    x: NotRequired[float]
    y: NotRequired[float]


class Scroll(TypedDict):
    page: int
    node: int
    offset: float
    jump: bool


class Hover(TypedDict):
    page: int
    node: int | None
    focus: int | None
    ring: bool


class Pulse(TypedDict):
    page: int
    node: int
    x: float
    y: float


class CitizenPointer(TypedDict):
    participant: str
    node: int | None
    x: float
    y: float


class ParticipantInfo(TypedDict):
    id: str
    role: str
    label: str
    state: str
    viewport: list[int] | None
    connected: bool
    away_since: float | None


class Participants(TypedDict):
    participants: list[ParticipantInfo]
    lead: str | None  # who the advisor handed the lead to; None: the advisor leads


class Notice(TypedDict):
    key: str
    text: str
    level: str
    params: NotRequired[dict[str, str]]
    message: NotRequired[str]
    link: NotRequired[str]
    link_text: NotRequired[str]


class Loading(TypedDict):
    url: str | None


class Visit(TypedDict):
    url: str
    title: str


class VisitSummary(TypedDict):
    """The header of the visited pages (times in seconds since the epoch)."""

    operator: str
    hotline: str
    advisor: str  # the advisor's configured label, "" when none
    started_at: float
    ended_at: float


class Ended(TypedDict):
    reason: str
    visited: list[Visit]
    summary: NotRequired[VisitSummary]


class Waiter(TypedDict):
    id: str
    role: str
    label: str
    phrase: str | None
    confirm: bool
    attempts_left: int


class Admissions(TypedDict):
    waiting: list[Waiter]
    mode: str


class Waiting(TypedDict):
    phrase: str | None
    reason: Literal["confirm", "admit"]


class Code(TypedDict):
    code: str | None
    expires_at: float | None


class IdleWarning(TypedDict):
    seconds: int


class Alive(TypedDict):
    pass


SERVER_BODIES: dict[Msg, Any] = {
    Msg.WELCOME: Welcome,
    Msg.SNAPSHOT: Snapshot,
    Msg.MUTATIONS: Mutations,
    Msg.POINTER: Pointer,
    Msg.SCROLL: Scroll,
    Msg.HOVER: Hover,
    Msg.PULSE: Pulse,
    Msg.CITIZEN_POINTER: CitizenPointer,
    Msg.PARTICIPANTS: Participants,
    Msg.NOTICE: Notice,
    Msg.ENDED: Ended,
    Msg.LOADING: Loading,
    Msg.ADMISSIONS: Admissions,
    Msg.WAITING: Waiting,
    Msg.CODE: Code,
    Msg.IDLE_WARNING: IdleWarning,
    Msg.ALIVE: Alive,
}


def shape(msg: Msg) -> str:
    """The body's keys as the module docstring lists them: ``{a, b, c?}``."""
    if msg in CLIENT_BODIES:
        optional = _CLIENT_OPTIONAL.get(msg, frozenset())
        names = [f.name for f in fields(CLIENT_BODIES[msg])]
    else:
        cls = SERVER_BODIES[msg]
        optional = cls.__optional_keys__
        names = list(cls.__annotations__)
        for base in reversed(cls.__mro__[1:]):  # inherited keys first
            names = [*getattr(base, "__annotations__", {}), *names]
        names = list(dict.fromkeys(names))
    return "{" + ", ".join(n + ("?" if n in optional else "") for n in names) + "}"


@dataclass(frozen=True, slots=True)
class PackedTree:
    """A tree encoded ahead of its frame (in a page worker, off the relay's loop).

    ``packed``: the msgpack of its compact wire form (:func:`wire_tree`);
    ``deflated``: ``packed`` as a whole raw deflate stream. :func:`encode`
    puts it into a SNAPSHOT body as it is: the body's other fields are packed
    (and deflated, sync-flushed) in front of it, and a deflate stream may go
    on with an independent one.
    """

    packed: bytes
    deflated: bytes


def pack_tree(root: list[Any]) -> PackedTree:
    """Encode ``root`` for a later SNAPSHOT (:class:`PackedTree`)."""
    packed: bytes = msgpack.packb(wire_tree(root), use_bin_type=True)
    deflate = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
    return PackedTree(packed, deflate.compress(packed) + deflate.flush())


def encode(msg: Msg, seq: int, body: Mapping[str, Any]) -> bytes:
    """Encode one frame. Called once per broadcast; the bytes are fanned out.

    Trees in ``SNAPSHOT`` and ``MUTATIONS`` bodies go out compact
    (:func:`wire_tree`; a SNAPSHOT's ``tree`` may come as a
    :class:`PackedTree`), and a large body deflated (:data:`DEFLATE_MIN`).
    ``body`` is not changed.
    """
    tree = body.get("tree") if msg is Msg.SNAPSHOT else None
    if isinstance(tree, PackedTree):
        packed = _spliced(body, tree)
    else:
        packed = _packed(msg, body)
        if len(packed) >= DEFLATE_MIN:
            deflate = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
            deflated = deflate.compress(packed) + deflate.flush()
            if len(deflated) < len(packed):
                packed = msgpack.packb(deflated, use_bin_type=True)
    head: bytes = msgpack.packb(int(msg)) + msgpack.packb(seq)
    return b"\x93" + head + packed  # fixarray of 3: [type, seq, body]


def _packed(msg: Msg, body: Mapping[str, Any]) -> bytes:
    """``body`` packed, its trees in their compact wire form (not deflated)."""
    if msg is Msg.SNAPSHOT and body.get("tree") is not None:
        body = {**body, "tree": wire_tree(body["tree"])}
    elif msg is Msg.MUTATIONS and body.get("adds"):
        body = {**body, "adds": [[p, n, wire_tree(node)] for p, n, node in body["adds"]]}
    packed: bytes = msgpack.packb(body, use_bin_type=True)
    return packed


def packed_size(msg: Msg, body: Mapping[str, Any]) -> int:
    """How many bytes ``body`` packs to in a frame, before deflating: what a
    diff's batch weighs against a :class:`PackedTree`'s ``packed``."""
    return len(_packed(msg, body))


def _spliced(body: Mapping[str, Any], tree: PackedTree) -> bytes:
    """The packed SNAPSHOT ``body`` with its :class:`PackedTree` last, deflated
    when large: the other fields deflated and sync-flushed (byte-aligned, not
    final), then the tree's own deflate stream."""
    packer = msgpack.Packer(use_bin_type=True)
    fields = [packer.pack_map_header(len(body))]
    for name, value in body.items():
        if name != "tree":
            fields += [packer.pack(name), packer.pack(value)]
    fields.append(packer.pack("tree"))
    front = b"".join(fields)
    if len(front) + len(tree.packed) < DEFLATE_MIN or len(tree.deflated) >= len(tree.packed):
        return front + tree.packed
    deflate = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
    deflated = deflate.compress(front) + deflate.flush(zlib.Z_SYNC_FLUSH) + tree.deflated
    out: bytes = packer.pack(deflated)
    return out


def read_frame(data: bytes, *, expand: bool = True) -> Frame:
    """Decode a server frame as a client does: inflate the body, expand the trees
    (with ``expand`` False they stay in their compact wire form).

    For the relay's own frames (hand-over, cluster nodes, tests, the load
    generator). Raises ValueError for anything else.
    """
    try:
        kind, seq, body = msgpack.unpackb(data, raw=False, strict_map_key=False)
        if isinstance(body, bytes):
            inflate = zlib.decompressobj(-15)
            packed = inflate.decompress(body, MAX_INFLATED_BYTES)
            if inflate.unconsumed_tail or not inflate.eof:
                raise ValueError("deflated body is too large or cut short")
            body = msgpack.unpackb(packed, raw=False, strict_map_key=False)
        msg = Msg(kind)
    except (ValueError, TypeError, zlib.error, msgpack.UnpackException) as exc:
        raise ValueError(f"not a server frame: {type(exc).__name__}: {exc}") from exc
    if not isinstance(body, dict) or not isinstance(seq, int):
        raise ValueError("not a server frame: bad shape")
    if not expand:
        return msg, seq, body
    if msg is Msg.SNAPSHOT and "tree" in body:
        body["tree"] = expand_tree(body["tree"])
    elif msg is Msg.MUTATIONS and body.get("adds"):
        body["adds"] = [[p, n, expand_tree(node)] for p, n, node in body["adds"]]
    return msg, seq, body


# --- compact trees ------------------------------------------------------------------


def wire_tree(root: list[Any]) -> Any:
    """The compact wire form of a node tree (ids implicit, strings shared).

    Runs for every page (in the page workers), so it is written for speed:
    one closure (local names are the cheapest Python has), the string table
    inlined where it is read, and the collector paused (the new lists hold
    no cycles; :mod:`cobrowse.pipeline.collector`). A string's fate is
    decided once, when it enters the table: whether a later reference
    (1, 2, 3 or 5 bytes) is shorter than the text (at least its length plus
    one); if not, it is sent again each time, as a new table entry.
    ``tests/test_protocol.py`` pins this to the plain reading of the rules above.
    """
    refs: dict[str, int] = {}  # text -> its table index, or -1: always sent as itself
    known = refs.get
    count = 0  # entries in the reader's table
    expect = 1  # the next implicit id

    def new(text: str) -> str:
        nonlocal count
        size = len(text)
        refs[text] = (
            count
            if size >= 5
            or (
                size
                and (count < 128 or (size >= 2 and count < 256) or (size >= 3 and count < 65536))
            )
            else -1
        )
        count += 1
        return text

    def node(item: list[Any]) -> Any:
        nonlocal count, expect
        size = len(item)
        if size != 2 and size != 4:
            raise ValueError("a node is [id, text] or [id, tag, attrs, children]")
        node_id = item[0]
        implicit = node_id == expect
        if not implicit and (type(node_id) is not int or node_id < 1):
            raise ValueError(f"node id {node_id!r} is not a positive integer")
        expect = node_id + 1
        if size == 2:
            text = item[1]
            out: Any = known(text)
            if out is None:
                out = new(text)
            elif out < 0:
                count += 1
                out = text
        else:
            text = item[1]
            ref: Any = known(text)
            if ref is None:
                ref = new(text)
            elif ref < 0:
                count += 1
                ref = text
            out = [ref]
            attrs, children = item[2], item[3]
            if attrs:
                flat: list[Any] = []
                add = flat.append
                for text, value in attrs.items():
                    ref = known(text)
                    if ref is None:
                        ref = new(text)
                    elif ref < 0:
                        count += 1
                        ref = text
                    add(ref)
                    ref = known(value)
                    if ref is None:
                        ref = new(value)
                    elif ref < 0:
                        count += 1
                        ref = value
                    add(ref)
                out.append(flat)
            elif children:
                out.append(None)
            for child in children:
                out.append(node(child))
        return out if implicit else [-node_id, out]

    with COLLECTOR_PAUSED:
        return node(root)


class _TreeReader:
    __slots__ = ("next_id", "strings")

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.next_id = 1

    def string(self, value: Any) -> str:
        if isinstance(value, str):
            self.strings.append(value)
            return value
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return self.strings[value]
        raise ValueError("not a string or string index")

    def node(self, wire: Any) -> list[Any]:
        node_id = self.next_id
        if isinstance(wire, list) and wire and isinstance(wire[0], int) and wire[0] < 0:
            if len(wire) != 2 or isinstance(wire[0], bool):
                raise ValueError("bad node id wrapper")
            node_id, wire = -wire[0], wire[1]
        self.next_id = node_id + 1
        if not isinstance(wire, list):
            return [node_id, self.string(wire)]
        if not wire:
            raise ValueError("empty element")
        tag = self.string(wire[0])
        attrs: dict[str, str] = {}
        flat = wire[1] if len(wire) > 1 else None
        if flat is not None:
            if not isinstance(flat, list) or len(flat) % 2:
                raise ValueError("attributes are not name/value pairs")
            for i in range(0, len(flat), 2):
                name = self.string(flat[i])
                attrs[name] = self.string(flat[i + 1])
        return [node_id, tag, attrs, [self.node(child) for child in wire[2:]]]


def expand_tree(wire: Any) -> list[Any]:
    """The node tree of a compact wire tree (:func:`wire_tree`); ValueError if malformed."""
    try:
        return _TreeReader().node(wire)
    except (IndexError, RecursionError) as exc:
        raise ValueError(f"malformed tree: {type(exc).__name__}") from exc


def decode(data: bytes) -> Frame:
    """Decode and shape-check one inbound client frame (its body: :func:`parse`).

    Raises :class:`ProtocolError` for anything that is not
    ``[client type, int, map]`` within the size limit.
    """
    if len(data) > MAX_INBOUND_BYTES:
        raise ProtocolError("frame too large")
    try:
        raw = msgpack.unpackb(data, raw=False, strict_map_key=True)
    except Exception as exc:  # msgpack raises a zoo of types for bad input
        raise ProtocolError("not msgpack") from exc
    if not (isinstance(raw, list) and len(raw) == 3):
        raise ProtocolError("frame is not [type, seq, body]")
    kind, seq, body = raw
    if not isinstance(kind, int) or kind not in CLIENT_TYPES:
        raise ProtocolError("unknown message type")
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise ProtocolError("seq is not an integer")
    if not isinstance(body, dict):
        raise ProtocolError("body is not a map")
    return Msg(kind), seq, body
