"""Wire protocol shared by the relay and the browser client.

Every WebSocket message is one binary frame holding a msgpack array
``[type, seq, body]``. ``type`` is a :class:`Msg` value, ``seq`` the session's
sequence number for ordered server frames (0 for per-connection and
latest-wins frames, and for everything a client sends), ``body`` a map.

The numeric enum is mirrored by ``client_js/protocol.js``; a test checks that
both agree. Bump :data:`PROTOCOL_VERSION` on any incompatible change.

Node trees (snapshot bodies and mutation adds) are nested arrays:

* element: ``[id, tag, attrs, children]`` — ``tag`` lower-case; SVG elements
  are prefixed ``svg:`` and MathML elements ``math:``; ``attrs`` maps
  attribute names to string values (``xlink:href`` uses the XLink namespace).
* text: ``[id, text]``.

Server → client bodies:

* ``WELCOME`` ``{version, role, participant, session, show_pointer}`` — ``show_pointer``
  (citizens): send ``POINTER_MOVE``, the advisor sees the citizen's pointer
* ``SNAPSHOT`` ``{page, url, title, tree, history: {back, forward}}``
* ``MUTATIONS`` ``{page, texts: [[id, text]], attributes: [[id, {name: value|nil}]],
  removes: [id], adds: [[parent_id, next_id|nil, node]]}``; with ``navigate:
  {page, url, title, history}`` the batch turns page ``page`` into the next one
  (same-site diff; new nodes have ids above every old one)
* ``POINTER`` ``{node: id|nil, x, y}`` — fractions inside the node's box; nil hides it.
  For an element that wraps over several lines (a long link), ``x`` is the fraction
  along its line boxes laid end to end and ``y`` of the line's height (the same as
  the plain reading for one line; see client_js/pointer.js ``locate``)
* ``SCROLL`` ``{page, node, offset, jump}`` — ``offset``: how many of the node's
  heights its top lies above the viewport's top; ``jump``: an in-page link, everyone follows
* ``HOVER`` ``{page, node|nil, focus|nil, ring}`` — the advisor's hovered and focused
  elements (``ring``: keyboard focus); see :mod:`cobrowse.pipeline.hover`
* ``PULSE`` ``{page, node, x, y}`` — the advisor clicked there (fractions like ``POINTER``)
* ``CITIZEN_POINTER`` ``{participant, node: id|nil, x, y}`` — advisor only, when
  ``[sessions] show_citizen_pointer`` is on: a citizen's pointer (like ``POINTER``)
* ``PARTICIPANTS`` ``{participants: [{id, role, label, viewport: [w, h]|nil}]}``
* ``NOTICE`` ``{key, text, level, params?, message?}`` — ``text`` is the German message;
  clients may show catalogue id ``message`` (default ``notice_<key>``) with ``params``
  in their own language instead (see :mod:`cobrowse.i18n`)
* ``LOADING`` ``{url|nil}`` — a page is being fetched; nil when done or failed
* ``ENDED`` ``{reason, visited: [{url, title}]}``
* ``ADMISSIONS`` ``{waiting: [{id, role, label, phrase|nil, confirm, attempts_left}], mode}``
  — advisor only; ``phrase`` only in "button" mode
* ``WAITING`` ``{phrase|nil, reason: "confirm"|"admit"}`` — to a pending joiner, who
  gets nothing else of the session until admitted
* ``CODE`` ``{code|nil, expires_at|nil}`` — advisor only: a new code, or nil when revoked
* ``IDLE_WARNING`` ``{seconds}`` — the session ends unless someone acts (``EXTEND``)

Client → server bodies:

* ``HELLO`` ``{version, viewport: [w, h]}`` — must be the first frame
* ``NAVIGATE`` ``{url}`` (advisor), ``CLICK`` ``{node}`` (advisor),
  ``SUBMIT`` ``{node, fields: [[name, value]]}`` (advisor),
  ``POINTER_MOVE`` ``{node|nil, x, y}``, ``LEAVE`` ``{}``, ``END`` ``{}`` (advisor),
  ``VIEWPORT`` ``{viewport: [w, h]}`` — the mirror's size changed,
  ``ADMIT`` ``{participant, phrase|nil}``, ``DENY``/``REMOVE`` ``{participant}``,
  ``NEW_CODE`` ``{}`` (advisor), ``EXTEND`` ``{}`` (anyone: keep the idle session)
* advisor only, each with the ``page`` it is meant for (see :mod:`cobrowse.session.publish`):
  ``SCROLL_TO`` ``{page, node, offset, jump}``, ``HOVER_AT`` ``{page, node|nil, focus|nil,
  ring}``, ``PULSE_AT`` ``{page, node, x, y}``, ``TOGGLE`` ``{page, node}`` (widget),
  ``HIGHLIGHT_SET`` ``{page, node|nil}``, ``INPUT_SET`` ``{page, node, value|checked|selected}``
  (never for masked fields); ``HISTORY_GO`` ``{step: -1|0|1}`` (back, reload, forward)
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import msgpack

from cobrowse.errors import ProtocolError

__all__ = [
    "CLIENT_TYPES",
    "MAX_INBOUND_BYTES",
    "PROTOCOL_VERSION",
    "Frame",
    "Msg",
    "decode",
    "encode",
]

PROTOCOL_VERSION = 1

# Largest frame a client may send; anything larger closes that connection.
MAX_INBOUND_BYTES = 64 * 1024


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
    ADMIT = 88
    DENY = 89
    REMOVE = 90
    NEW_CODE = 91
    EXTEND = 92


CLIENT_TYPES = frozenset(m for m in Msg if m >= 64)

Frame = tuple[Msg, int, dict[str, Any]]


def encode(msg: Msg, seq: int, body: dict[str, Any]) -> bytes:
    """Encode one frame. Called once per broadcast; the bytes are fanned out."""
    data: bytes = msgpack.packb([int(msg), seq, body], use_bin_type=True)
    return data


def decode(data: bytes) -> Frame:
    """Decode and shape-check one inbound client frame.

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
