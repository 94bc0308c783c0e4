// The mirror: shows the relay's sanitized page inside
// <iframe sandbox="allow-same-origin" src="/spiegel"> and keeps it current.
//
// Frames wait until the iframe's own blank document has loaded; a snapshot
// replaces the page, mutations for another page are ignored. A mutation
// batch with `navigate` turns the page into the next one (same-site diff):
// listeners hear "snapshot" as for any new page. The sandbox
// (no allow-scripts), the relay's CSP and DOM-only rebuilding (node_tree.js)
// are three separate layers against page script. One mirror per page, so
// the state is module-level and the node helpers need no handle.

import { NodeTree } from "./node_tree.js";
import { Msg } from "./protocol.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").SnapshotBody} SnapshotBody */
/** @typedef {import("./protocol.js").MutationsBody} MutationsBody */
/** @typedef {import("./protocol.js").PageInfo} PageInfo */

// Mutation batches kept to rebuild the page if the iframe's document is ever
// replaced (it should not be: links and forms are intercepted). Beyond this
// the log is dropped and listeners are told the mirror is stale.
const MAX_REPLAY = 5000;

/** @type {HTMLIFrameElement | null} */
let frame = null;
/** @type {Document | null} */
let doc = null; // the document the current page was rendered into
/** @type {NodeTree | null} */
let tree = null; // NodeTree of the current page
/** @type {SnapshotBody | null} */
let snapshot = null; // last SNAPSHOT body: what a rebuild starts from
/** @type {PageInfo | null} */
let current = null; // the page shown now
/** @type {MutationsBody[]} */
let replay = [];
let stale = false;
let keepTyped = false;
/** @type {Array<["snapshot", SnapshotBody] | ["mutations", MutationsBody]>} */
let pending = []; // frames that arrived before the iframe was ready
/** @type {Set<(kind: MirrorChange, doc: Document) => void>} */
const listeners = new Set();

/** @typedef {"snapshot" | "mutations" | "stale"} MirrorChange */

/**
 * True when `d` is the relay's blank mirror page, fully loaded.
 * @param {Document} d
 * @returns {boolean}
 */
function isReady(d) {
  return d.readyState === "complete" && d.URL !== "about:blank";
}

/**
 * Bind the mirror to its iframe; call once per page before any frame arrives.
 * @param {HTMLIFrameElement} iframe
 */
export function attachMirror(iframe) {
  if (frame === iframe) return;
  frame = iframe;
  iframe.addEventListener("load", onFrameLoad);
  onFrameLoad();
}

/**
 * Forget the current page and show the relay's blank mirror page again
 * (a new session in the same console).
 */
export function resetMirror() {
  snapshot = null;
  current = null;
  replay = [];
  stale = false;
  pending = [];
  tree = null;
  if (!frame || !doc) return;
  doc = null; // until the reloaded document is ready, frames wait
  frame.setAttribute("src", frame.getAttribute("src") || "/spiegel");
}

/**
 * Subscribe to mirror changes. `fn(kind, doc)` with kind "snapshot" (a page
 * was rendered, possibly into a new document object), "mutations", or
 * "stale" (the document was lost and cannot be rebuilt: resync needed).
 * @param {(kind: MirrorChange, doc: Document) => void} fn
 * @returns {() => void} unsubscribe
 */
export function onMirrorChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** @param {MirrorChange} kind */
function emit(kind) {
  for (const fn of listeners) {
    try {
      fn(kind, /** @type {Document} */ (doc)); // emitted only once a document is bound
    } catch (err) {
      console.error(err);
    }
  }
}

function onFrameLoad() {
  const d = frame?.contentDocument ?? null;
  if (!d || !isReady(d)) {
    if (d && d.readyState !== "complete") d.addEventListener("readystatechange", onFrameLoad, { once: true });
    return;
  }
  if (d === doc) return;
  const lost = doc !== null;
  doc = d;
  if (lost && snapshot) {
    if (stale) {
      emit("stale");
    } else {
      const rebuilt = render(d, snapshot);
      for (const body of replay) rebuilt.mutate(body);
      emit("snapshot");
    }
  }
  const queued = pending;
  pending = [];
  for (const [kind, body] of queued) {
    if (kind === "snapshot") applySnapshot(body);
    else applyMutations(body);
  }
}

/**
 * Render a SNAPSHOT body `{page, url, title, tree}`, replacing the page.
 * Queued until the iframe's document is ready.
 * @param {SnapshotBody} body
 */
export function applySnapshot(body) {
  const d = doc;
  if (!d || !isReady(d)) {
    pending = [["snapshot", body]];
    return;
  }
  snapshot = body;
  current = pageInfo(body);
  replay = [];
  stale = false;
  render(d, body);
  d.defaultView?.scrollTo(0, 0);
  emit("snapshot");
}

/**
 * @param {PageInfo} info
 * @returns {PageInfo}
 */
function pageInfo({ page, url, title, history }) {
  return { page, url, title, history };
}

/**
 * Apply a MUTATIONS body to the current page; batches for another page are
 * ignored (the snapshot that replaced it is already rendered). A batch with
 * `navigate: {page, url, title}` makes this the next page; one for a page
 * this mirror does not have means it missed something: "stale".
 * @param {MutationsBody} body
 */
export function applyMutations(body) {
  const d = doc;
  if (!d || !isReady(d)) {
    if (pending.length) pending.push(["mutations", body]);
    return;
  }
  if (!current || !tree || body.page !== current.page) {
    if (body.navigate && current) emit("stale");
    return;
  }
  if (replay.length < MAX_REPLAY) replay.push(body);
  else stale = true;
  tree.mutate(body);
  if (body.navigate) {
    current = pageInfo(body.navigate);
    d.defaultView?.scrollTo(0, 0);
    emit("snapshot");
  } else {
    emit("mutations");
  }
}

/** The document the mirror renders into (null until ready). @returns {Document|null} */
export function mirrorDocument() {
  return doc;
}

/**
 * The page shown now: {page, url, title, history}, or null.
 * @returns {PageInfo | null}
 */
export function currentPage() {
  return current;
}

/**
 * The relay's node id of a mirrored node, or undefined.
 * @param {Node} node
 * @returns {number|undefined}
 */
export function nodeIdOf(node) {
  return tree?.nodeIds.get(node);
}

/**
 * `node` itself if it is an element, else its parent element (or null).
 * @param {Node | null | undefined} node
 * @returns {Element | null}
 */
export function elementOf(node) {
  if (!node) return null;
  return node.nodeType === Node.ELEMENT_NODE ? /** @type {Element} */ (node) : node.parentElement;
}

/**
 * The mirrored node with relay node id `id`, or undefined.
 * @param {number} id
 * @returns {Node|undefined}
 */
export function nodeById(id) {
  return tree?.ids.get(id);
}

/**
 * The line boxes (client rects) of element `id` — several for an inline
 * element that wraps — or null for an unknown node or a text node.
 * @param {number} id
 * @returns {DOMRectList|null}
 */
export function elementLines(id) {
  const node = tree?.ids.get(id);
  if (!node || !node.isConnected || node.nodeType !== Node.ELEMENT_NODE) return null;
  return /** @type {Element} */ (node).getClientRects();
}

/**
 * Bounding box of node `id` in the mirror's viewport coordinates, or null
 * for an unknown node.
 * @param {number} id
 * @returns {DOMRect|null}
 */
export function elementRect(id) {
  const node = tree?.ids.get(id);
  if (!node || !node.isConnected) return null;
  if (node.nodeType === Node.ELEMENT_NODE) return /** @type {Element} */ (node).getBoundingClientRect();
  const range = /** @type {Document} */ (node.ownerDocument).createRange();
  range.selectNodeContents(node);
  return range.getBoundingClientRect();
}

/**
 * @param {Document} d
 * @param {SnapshotBody} body
 * @returns {NodeTree}
 */
function render(d, body) {
  const built = new NodeTree(d);
  tree = built;
  built.keepFocusedField = keepTyped;
  built.render(body.tree);
  return built;
}

/**
 * The advisor types into the mirror: the field being typed in keeps what it
 * shows when the relay echoes its (older) value back.
 */
export function keepTypedValues() {
  keepTyped = true;
  if (tree) tree.keepFocusedField = true;
}

/** @returns {Handlers} SNAPSHOT and MUTATIONS: render them */
export function mirrorFrames() {
  return { [Msg.SNAPSHOT]: applySnapshot, [Msg.MUTATIONS]: applyMutations };
}
