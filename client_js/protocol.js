// Wire protocol, mirror of cobrowse/protocol.py (a test checks that the Msg
// numbers agree; `npm run typecheck` checks the client against the body
// types below). Every frame is a msgpack array [type, seq, body]. A large
// server frame's body is binary: the raw deflate of the packed map. Trees
// arrive compact (implicit ids, a string table per tree) and are expanded
// here to the WireNode trees the rest of the client uses.
import { decode as mpDecode, encode as mpEncode } from "@msgpack/msgpack";

export const PROTOCOL_VERSION = 2;

export const Msg = Object.freeze({
  WELCOME: 1,
  SNAPSHOT: 2,
  MUTATIONS: 3,
  POINTER: 4,
  SCROLL: 5,
  HOVER: 6,
  PULSE: 7,
  CITIZEN_POINTER: 8,
  PARTICIPANTS: 9,
  NOTICE: 10,
  ENDED: 11,
  LOADING: 12,
  ADMISSIONS: 20,
  WAITING: 21,
  CODE: 22,
  IDLE_WARNING: 23,
  ALIVE: 24,

  HELLO: 64,
  NAVIGATE: 65,
  CLICK: 66,
  POINTER_MOVE: 67,
  SUBMIT: 68,
  LEAVE: 69,
  END: 70,
  VIEWPORT: 71,
  SCROLL_TO: 72,
  HOVER_AT: 73,
  INPUT_SET: 74,
  TOGGLE: 75,
  HIGHLIGHT_SET: 76,
  PULSE_AT: 77,
  HISTORY_GO: 78,
  LEAD: 79,
  ADMIT: 88,
  DENY: 89,
  REMOVE: 90,
  NEW_CODE: 91,
  EXTEND: 92,
});

// ---- Shared shapes ---------------------------------------------------------

/** @typedef {"advisor" | "citizen" | "guest"} Role */
/** @typedef {[number, number]} Size a mirror's [width, height] in CSS px */

/**
 * A node of the relay's tree: text `[id, text]` or element
 * `[id, tag, attrs, children]` (tag lower-case, `svg:`/`math:` prefixed).
 * @typedef {[number, string] | [number, string, Record<string, string>, WireNode[]]} WireNode
 */

/**
 * What every participant is told about the shared page.
 * @typedef {object} PageInfo
 * @property {number} page the session's page number
 * @property {string} url
 * @property {string} title
 * @property {{back: boolean, forward: boolean}} history
 */

// ---- Server → client bodies ------------------------------------------------

/**
 * @typedef {object} WelcomeBody
 * @property {number} version
 * @property {Role} role
 * @property {string} participant this participant's id
 * @property {string} session
 * @property {boolean} show_pointer send POINTER_MOVE: the advisor sees this pointer
 */
/** @typedef {PageInfo & {tree: WireNode}} SnapshotBody */
/**
 * `navigate`: the batch turns page `page` into the next one (same-site diff).
 * @typedef {object} MutationsBody
 * @property {number} page
 * @property {Array<[number, string]>} [texts]
 * @property {Array<[number, Record<string, string | null>]>} [attributes] null removes
 * @property {number[]} [removes]
 * @property {Array<[number, number | null, WireNode]>} [adds] [parent, next sibling, node]
 * @property {PageInfo} [navigate]
 */
/**
 * Fractions inside the node's box (along its lines for a wrapped inline, see
 * pointer.js locate); `node: null` hides the pointer and comes without x, y.
 * @typedef {{node: number | null, x?: number, y?: number}} PointerBody
 */
/** @typedef {{page: number, node: number, offset: number, jump: boolean}} ScrollBody */
/** @typedef {{page: number, node: number | null, focus: number | null, ring: boolean}} HoverBody */
/** @typedef {{page: number, node: number, x: number, y: number}} PulseBody */
/** @typedef {{participant: string, node: number | null, x: number, y: number}} CitizenPointerBody */
/**
 * @typedef {object} Participant
 * @property {string} id
 * @property {Role} role
 * @property {string} label the German role name
 * @property {"pending" | "active"} state pending: waits to be admitted
 * @property {Size | null} viewport
 * @property {boolean} [connected] has a live connection
 * @property {number | null} [away_since] epoch seconds its connection dropped, while away
 */
/**
 * lead: the id of the citizen or guest the advisor handed the lead to; null
 * while the advisor leads.
 * @typedef {{participants: Participant[], lead: string | null}} ParticipantsBody
 */
/**
 * `text` is German; clients show catalogue id `message` (default
 * `notice_<key>`) filled with `params` instead when they have it. `link`: a
 * relay download path (`/r/…`), `link_text` its German label.
 * @typedef {object} NoticeBody
 * @property {string} key
 * @property {string} text
 * @property {"info" | "warning" | "error"} level
 * @property {Record<string, string>} [params]
 * @property {string} [message]
 * @property {string} [link]
 * @property {string} [link_text]
 */
/** @typedef {{url: string | null}} LoadingBody null: done or failed */
/** @typedef {{url: string, title: string}} VisitedPage */
/**
 * The header of the visited pages (times: seconds since the epoch; advisor: "" unnamed)
 * @typedef {{operator: string, hotline: string, advisor: string, started_at: number, ended_at: number}} VisitSummary
 */
/** @typedef {{reason: string, visited: VisitedPage[], summary?: VisitSummary}} EndedBody */
/**
 * @typedef {object} Joiner
 * @property {string} id
 * @property {Role} role
 * @property {string} label
 * @property {string | null} phrase the read-back words, in "button" mode only
 * @property {boolean} confirm the joiner must read words back
 * @property {number} attempts_left
 */
/** @typedef {{waiting: Joiner[], mode: "type" | "button"}} AdmissionsBody */
/** @typedef {{phrase: string | null, reason: "confirm" | "admit"}} WaitingBody */
/** @typedef {{code: string | null, expires_at: number | null}} CodeBody null: revoked */
/** @typedef {{seconds: number}} IdleWarningBody */
/** @typedef {Record<string, never>} AliveBody the relay is still there (connection.js's watchdog) */

/**
 * The body of each server → client message, by Msg number.
 * @typedef {{
 *   1: WelcomeBody, 2: SnapshotBody, 3: MutationsBody, 4: PointerBody, 5: ScrollBody,
 *   6: HoverBody, 7: PulseBody, 8: CitizenPointerBody, 9: ParticipantsBody, 10: NoticeBody,
 *   11: EndedBody, 12: LoadingBody, 20: AdmissionsBody, 21: WaitingBody, 22: CodeBody,
 *   23: IdleWarningBody, 24: AliveBody,
 * }} ServerBodies
 */

// ---- Client → server bodies ------------------------------------------------

/** @typedef {Record<string, never>} EmptyBody */
/** @typedef {{version: number, viewport: Size, last_seq: number}} HelloBody must be the first frame */
/** @typedef {{url: string}} NavigateBody */
/** @typedef {{node: number}} ClickBody */
/** @typedef {{node: number, fields: Array<[string, string]>, submitter?: number}} SubmitBody masked fields never; submitter: the button used (its formmethod/formaction live on the relay) */
/** @typedef {{node: number | null, x: number, y: number}} PointerMoveBody */
/** @typedef {{viewport: Size}} ViewportBody */
/** @typedef {ScrollBody} ScrollToBody */
/** @typedef {HoverBody} HoverAtBody */
/**
 * One of value (text fields), checked (boxes) or selected (option indexes);
 * never for masked fields.
 * @typedef {{page: number, node: number, value?: string, checked?: boolean, selected?: number[]}} InputSetBody
 */
/** @typedef {{page: number, node: number}} ToggleBody */
/** @typedef {{page: number, node: number | null}} HighlightSetBody */
/** @typedef {PulseBody} PulseAtBody */
/** @typedef {{step: -1 | 0 | 1}} HistoryGoBody back, reload, forward */
/** @typedef {{participant: string, phrase: string | null}} AdmitBody */
/** @typedef {{participant: string}} ParticipantBody DENY, REMOVE */
/** @typedef {{participant: string | null}} LeadBody hand the lead to this citizen or guest; null: take it back */

/**
 * The body of each client → server message, by Msg number.
 * @typedef {{
 *   64: HelloBody, 65: NavigateBody, 66: ClickBody, 67: PointerMoveBody, 68: SubmitBody,
 *   69: EmptyBody, 70: EmptyBody, 71: ViewportBody, 72: ScrollToBody, 73: HoverAtBody,
 *   74: InputSetBody, 75: ToggleBody, 76: HighlightSetBody, 77: PulseAtBody, 78: HistoryGoBody,
 *   79: LeadBody, 88: AdmitBody, 89: ParticipantBody, 90: ParticipantBody, 91: EmptyBody, 92: EmptyBody,
 * }} ClientBodies
 */

/**
 * Sends one client frame on the live session; false when that is impossible.
 * @typedef {<T extends keyof ClientBodies>(type: T, body: ClientBodies[T]) => boolean} Send
 */

/**
 * A feature's part of a view's frame table: Msg → what it does with the body.
 * @typedef {{[T in keyof ServerBodies]?: (body: ServerBodies[T]) => void}} Handlers
 */

/** @typedef {{type: number, seq: number, body: any}} Frame a decoded server frame */

/** @typedef {(typeof Msg)[keyof typeof Msg]} MsgNumber */
// Checked by `npm run typecheck`: every Msg has a body type above (the Msg
// numbers themselves are checked against protocol.py by tests/test_protocol.py).
/** @type {[Exclude<MsgNumber, keyof ServerBodies | keyof ClientBodies>] extends [never] ? true : false} */
const EVERY_MSG_HAS_A_BODY_TYPE = true;
void EVERY_MSG_HAS_A_BODY_TYPE;

/**
 * Encode one client frame.
 * @template {keyof ClientBodies} T
 * @param {T} type
 * @param {ClientBodies[T]} body
 * @returns {Uint8Array<ArrayBuffer>}
 */
export function encode(type, body) {
  return /** @type {Uint8Array<ArrayBuffer>} */ (mpEncode([type, 0, body]));
}

/**
 * Decode one server frame into {type, seq, body}. For a deflated frame
 * `body` is a Promise of the body: frames after it must wait for it.
 * @param {ArrayBuffer} data
 * @returns {Frame}
 */
export function decode(data) {
  const [type, seq, body] = /** @type {[number, number, any]} */ (mpDecode(new Uint8Array(data)));
  if (body instanceof Uint8Array) {
    return { type, seq, body: inflate(body).then((packed) => expandBody(type, mpDecode(packed))) };
  }
  return { type, seq, body: expandBody(type, body) };
}

/**
 * Raw deflate (RFC 1951) → bytes.
 * @param {Uint8Array} bytes
 * @returns {Promise<Uint8Array>}
 */
async function inflate(bytes) {
  const stream = new Blob([/** @type {Uint8Array<ArrayBuffer>} */ (bytes)])
    .stream()
    .pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The body with its trees expanded (a SNAPSHOT's tree, a MUTATIONS batch's adds).
 * @param {number} type
 * @param {any} body
 * @returns {any}
 */
function expandBody(type, body) {
  if (type === Msg.SNAPSHOT && body.tree !== undefined) {
    body.tree = expandTree(body.tree);
  } else if (type === Msg.MUTATIONS && Array.isArray(body.adds)) {
    body.adds = body.adds.map(
      (/** @type {[number, number | null, unknown]} */ [parentId, nextId, wire]) => [
        parentId,
        nextId,
        expandTree(wire),
      ],
    );
  }
  return body;
}

/**
 * A compact wire tree (cobrowse/protocol.py wire_tree) as nested nodes:
 * ids count from 1 in document order unless a node comes as [-id, node];
 * every string sent as itself joins the tree's table, an integer ≥ 0 in a
 * string's place is an entry of it.
 * @param {unknown} wire
 * @returns {WireNode}
 */
export function expandTree(wire) {
  /** @type {string[]} */
  const strings = [];
  let nextId = 1;
  /** @param {unknown} value */
  const string = (value) => {
    if (typeof value === "string") {
      strings.push(value);
      return value;
    }
    if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value < strings.length) {
      return strings[value];
    }
    throw new TypeError("not a string or string index");
  };
  /**
   * @param {unknown} w
   * @returns {WireNode}
   */
  const node = (w) => {
    let id = nextId;
    if (Array.isArray(w) && typeof w[0] === "number" && w[0] < 0) {
      id = -w[0];
      w = w[1];
    }
    nextId = id + 1;
    if (!Array.isArray(w)) return [id, string(w)];
    const tag = string(w[0]);
    /** @type {Record<string, string>} */
    const attrs = {};
    const flat = w[1];
    if (Array.isArray(flat)) {
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const name = string(flat[i]);
        const value = string(flat[i + 1]);
        // a plain assignment to "__proto__" would set the prototype instead
        if (name === "__proto__") {
          Object.defineProperty(attrs, name, { value, enumerable: true, writable: true, configurable: true });
        } else {
          attrs[name] = value;
        }
      }
    }
    /** @type {WireNode[]} */
    const children = [];
    for (let i = 2; i < w.length; i += 1) children.push(node(w[i]));
    return [id, tag, attrs, children];
  };
  return node(wire);
}
