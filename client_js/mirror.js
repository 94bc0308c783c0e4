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

// Mutation batches kept to rebuild the page if the iframe's document is ever
// replaced (it should not be: links and forms are intercepted). Beyond this
// the log is dropped and listeners are told the mirror is stale.
const MAX_REPLAY = 5000;

let frame = null;
let doc = null; // the document the current page was rendered into
let tree = null; // NodeTree of the current page
let snapshot = null; // last SNAPSHOT body: what a rebuild starts from
let current = null; // {page, url, title, history} of the page shown now
let replay = [];
let stale = false;
let keepTyped = false;
let pending = []; // frames that arrived before the iframe was ready
const listeners = new Set();

/** True when `d` is the relay's blank mirror page, fully loaded. */
function isReady(d) {
  return Boolean(d) && d.readyState === "complete" && d.URL !== "about:blank";
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
 * @param {(kind: string, doc: Document) => void} fn
 * @returns {() => void} unsubscribe
 */
export function onMirrorChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(kind) {
  for (const fn of listeners) {
    try {
      fn(kind, doc);
    } catch (err) {
      console.error(err);
    }
  }
}

function onFrameLoad() {
  const d = frame?.contentDocument;
  if (!isReady(d)) {
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
      render(snapshot);
      for (const body of replay) tree.mutate(body);
      emit("snapshot");
    }
  }
  const queued = pending;
  pending = [];
  for (const [kind, body] of queued) (kind === "snapshot" ? applySnapshot : applyMutations)(body);
}

/**
 * Render a SNAPSHOT body `{page, url, title, tree}`, replacing the page.
 * Queued until the iframe's document is ready.
 * @param {{page: number|string, url: string, title: string, tree: Array}} body
 */
export function applySnapshot(body) {
  if (!isReady(doc)) {
    pending = [["snapshot", body]];
    return;
  }
  snapshot = body;
  current = pageInfo(body);
  replay = [];
  stale = false;
  render(body);
  doc.defaultView?.scrollTo(0, 0);
  emit("snapshot");
}

function pageInfo({ page, url, title, history }) {
  return { page, url, title, history };
}

/**
 * Apply a MUTATIONS body to the current page; batches for another page are
 * ignored (the snapshot that replaced it is already rendered). A batch with
 * `navigate: {page, url, title}` makes this the next page; one for a page
 * this mirror does not have means it missed something: "stale".
 * @param {{page, texts?, attributes?, removes?, adds?, navigate?}} body
 */
export function applyMutations(body) {
  if (!isReady(doc)) {
    if (pending.length) pending.push(["mutations", body]);
    return;
  }
  if (!current || body.page !== current.page) {
    if (body.navigate && current) emit("stale");
    return;
  }
  if (replay.length < MAX_REPLAY) replay.push(body);
  else stale = true;
  tree.mutate(body);
  if (body.navigate) {
    current = pageInfo(body.navigate);
    doc.defaultView?.scrollTo(0, 0);
    emit("snapshot");
  } else {
    emit("mutations");
  }
}

/** The document the mirror renders into (null until ready). @returns {Document|null} */
export function mirrorDocument() {
  return doc;
}

/** The page shown now: {page, url, title, history}, or null. */
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
  return node.getClientRects();
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
  if (node.nodeType === Node.ELEMENT_NODE) return node.getBoundingClientRect();
  const range = node.ownerDocument.createRange();
  range.selectNodeContents(node);
  return range.getBoundingClientRect();
}

function render(body) {
  tree = new NodeTree(doc);
  tree.keepFocusedField = keepTyped;
  tree.render(body.tree);
}

/**
 * The advisor types into the mirror: the field being typed in keeps what it
 * shows when the relay echoes its (older) value back.
 */
export function keepTypedValues() {
  keepTyped = true;
  if (tree) tree.keepFocusedField = true;
}
