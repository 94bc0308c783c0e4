// What every participant's page needs around its frame table: the mirror
// iframe, the connection to the relay, reporting the mirror's size, and the
// end of the session. The advisor console and the citizen view each build
// their own table (frames.js) from the feature files and start it here.

import { Connection } from "./connection.js";
import { attachMirror, onMirrorChange } from "./mirror.js";
import { hideLiveParts, showEnded, showVisited, wireVisitedExport } from "./ended_view.js";
import { dispatch } from "./frames.js";
import { showNotice } from "./notices.js";
import { Msg, PROTOCOL_VERSION } from "./protocol.js";
import { keepOnPixelGrid } from "./viewport.js";
import { serverText, t } from "./i18n.js";

/** @typedef {import("./frames.js").FrameTable} FrameTable */
/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").Send} Send */
/** @typedef {import("./protocol.js").Size} Size */

const RESIZE_SETTLE_MS = 300;

/**
 * Call `report(size)` once a resize of `iframe` has settled and the size really changed.
 * @param {HTMLIFrameElement} iframe
 * @param {() => Size} viewport
 * @param {(size: Size) => boolean} report true: the new size was told
 */
function reportResize(iframe, viewport, report) {
  let last = viewport().join("x");
  let timer = 0;
  new ResizeObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const size = viewport();
      if (size.join("x") === last || !iframe.clientWidth) return;
      if (report(size)) last = size.join("x");
    }, RESIZE_SETTLE_MS);
  }).observe(iframe);
}

/**
 * Prepare the shared session view in `iframe#mirror`; nothing is sent
 * before `start(table)`.
 * @param {object} options
 * @param {string} options.path WebSocket path, e.g. "/ws"
 * @param {string[]} options.hideWhenEnded selectors of live-session parts to hide at the end
 * @param {() => void} [options.onEnded] the session is over (ENDED, or a final close)
 * @param {(reason: string) => string} [options.endReason] the sentence #ended shows for
 *   ENDED's reason ("advisor", "timeout", "left"); none: no sentence
 * @param {boolean} [options.endScreenOnClose] a final close without ENDED (denied,
 *   removed, ended while waiting …) shows #ended with the relay's reason too
 * @returns {{conn: Connection, send: Send, frames: Handlers, start: (table: FrameTable) => void}}
 *   send: on the live connection; frames: this file's part of the view's
 *   table (WELCOME's version check, SNAPSHOT's pixel alignment, ENDED);
 *   start: connect, each frame goes through `table`
 */
export function createSessionView({ path, hideWhenEnded, onEnded, endReason, endScreenOnClose = false }) {
  const iframe = /** @type {HTMLIFrameElement} */ (document.getElementById("mirror"));
  attachMirror(iframe);
  const realign = keepOnPixelGrid(iframe);
  wireVisitedExport();
  /** @type {FrameTable} */
  let table = new Map();
  let ended = false;
  /** @param {import("./protocol.js").EndedBody} body */
  const finish = (body) => {
    // also after the citizen's own "Verlassen": the relay's list is the one to keep
    showEnded({ hide: hideWhenEnded, reason: endReason?.(body.reason) ?? "" });
    showVisited(body.visited ?? [], body.summary);
    if (ended) return;
    ended = true;
    stopResync();
    conn.end();
    onEnded?.();
  };

  // The page is laid out for this participant's mirror, so its size is
  // told on connect (HELLO) and whenever it changes (VIEWPORT).
  /** @returns {Size} */
  const viewport = () => [iframe.clientWidth || window.innerWidth, iframe.clientHeight || window.innerHeight];
  const conn = new Connection({
    path,
    onFrame: (frame) => dispatch(table, frame),
    viewport,
    onFinalClose: (_code, reason) => {
      // Closed for good without an ENDED frame (denied, removed, opened
      // elsewhere, session unknown): the reason is a notice, or the end
      // screen's sentence; no visited list.
      ended = true;
      stopResync();
      if (endScreenOnClose) showEnded({ hide: hideWhenEnded, reason: reason ? serverText(reason) : t("closed_by_server") });
      else hideLiveParts(hideWhenEnded);
      onEnded?.();
    },
  });
  /** @type {Send} */
  const send = (type, body) => conn.send(type, body);
  const stopResync = onMirrorChange((kind) => {
    if (kind === "stale") conn.restart(); // the relay sends a fresh snapshot on connect
  });

  /** @type {Handlers} */
  const frames = {
    [Msg.WELCOME]: (body) => {
      if (body.version !== PROTOCOL_VERSION) showNotice(t("outdated"), { level: "warning", key: "version" });
    },
    [Msg.SNAPSHOT]: () => realign(),
    [Msg.ENDED]: (body) => finish(body),
  };
  return {
    conn,
    send,
    frames,
    start: (frameTable) => {
      table = frameTable;
      reportResize(iframe, viewport, (size) => !ended && conn.send(Msg.VIEWPORT, { viewport: size }));
      conn.start();
    },
  };
}
