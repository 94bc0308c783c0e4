// What every participant's page does with the relay's frames: mirror the
// page, show notices, loading state, participants and the end of the
// session. The advisor console and the citizen view add their own parts.

import { Connection } from "./connection.js";
import { applyMutations, applySnapshot, attachMirror, onMirrorChange } from "./mirror.js";
import { hideIdleWarning, hideWaiting, showIdleWarning, showWaiting, wireVisitedExport } from "./lifecycle.js";
import { Msg, PROTOCOL_VERSION } from "./protocol.js";
import { keepOnPixelGrid } from "./viewport.js";
import { setLoading, showEnded, showNotice, showPage, showParticipants } from "./ui.js";
import { noticeText, t } from "./i18n.js";

const RESIZE_SETTLE_MS = 300;

/** Call `report(size)` once a resize of `iframe` has settled and the size really changed. */
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
 * Connect to the relay and render the shared session into `iframe#mirror`.
 * @param {object} options
 * @param {string} options.path WebSocket path, e.g. "/ws"
 * @param {string[]} options.hideWhenEnded selectors of live-session parts to hide at the end
 * @param {(frame: {type: number, seq: number, body: object}) => void} [options.onFrame]
 *   called after the common handling for every frame
 * @param {() => void} [options.onEnded] the session is over (ENDED, or a final close)
 * @returns {Connection}
 */
export function startSessionView({ path, hideWhenEnded, onFrame, onEnded }) {
  const iframe = document.getElementById("mirror");
  attachMirror(iframe);
  const realign = keepOnPixelGrid(iframe);
  wireVisitedExport();
  let self;
  let ended = false;
  const finish = (visited) => {
    if (ended) return;
    ended = true;
    stopResync();
    conn.end();
    showEnded(visited, hideWhenEnded);
    onEnded?.();
  };

  const handle = (frame) => {
    const { type, body } = frame;
    if (type !== Msg.WELCOME && type !== Msg.WAITING) hideWaiting();
    switch (type) {
      case Msg.WAITING:
        showWaiting(body);
        break;
      case Msg.IDLE_WARNING:
        showIdleWarning(body, (t, b) => conn.send(t, b));
        break;
      case Msg.WELCOME:
        self = body.participant;
        if (body.version !== PROTOCOL_VERSION) {
          showNotice(t("outdated"), { level: "warning", key: "version" });
        }
        break;
      case Msg.SNAPSHOT:
        applySnapshot(body);
        showPage(body);
        realign();
        break;
      case Msg.MUTATIONS:
        applyMutations(body);
        if (body.navigate) showPage(body.navigate); // the next page, as a diff
        break;
      case Msg.PARTICIPANTS:
        showParticipants(body.participants ?? [], self);
        break;
      case Msg.NOTICE:
        if (body.key === "extended") hideIdleWarning();
        showNotice(noticeText(body), { level: body.level, key: body.key, link: body.link, linkText: t("download") });
        break;
      case Msg.LOADING:
        setLoading(body.url !== null && body.url !== undefined); // nil: done or failed
        break;
      case Msg.ENDED:
        finish(body.visited ?? []);
        break;
      default:
        break;
    }
    onFrame?.(frame);
  };

  // The page is laid out for this participant's mirror, so its size is
  // told on connect (HELLO) and whenever it changes (VIEWPORT).
  const viewport = () => [iframe.clientWidth || window.innerWidth, iframe.clientHeight || window.innerHeight];
  const conn = new Connection({
    path,
    onFrame: handle,
    viewport,
    onFinalClose: () => {
      // Closed for good without an ENDED frame (opened elsewhere, session
      // unknown): the close reason is already shown; no visited list.
      ended = true;
      stopResync();
      for (const selector of hideWhenEnded) for (const el of document.querySelectorAll(selector)) el.hidden = true;
      onEnded?.();
    },
  });
  const stopResync = onMirrorChange((kind) => {
    if (kind === "stale") conn.restart(); // the relay sends a fresh snapshot on connect
  });
  reportResize(iframe, viewport, (size) => !ended && conn.send(Msg.VIEWPORT, { viewport: size }));
  conn.start();
  return conn;
}
