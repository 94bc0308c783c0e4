// The participant's WebSocket to the relay: HELLO first, decoded frames to
// one handler, state in #status, reconnect with backoff until the session
// ends. Close codes 4000–4099 are the relay's final word (session ended or
// unknown, opened elsewhere …): their reason is a German sentence for the user.
//
// A connection can die without a close (network cut, the relay's machine
// gone): the relay sends ALIVE whenever it has been quiet for a moment
// (cobrowse/ws_liveness.py), so a socket that brings nothing at all for
// SILENT_MS is dropped here and the state line says "reconnecting". The
// watchdog may fire late in a throttled background tab; it only compares
// with when the last frame came, so it never drops a live connection. The
// browser's "offline" event drops the socket at once, "online" retries now.

import { Msg, PROTOCOL_VERSION, decode, encode } from "./protocol.js";
import { showNotice } from "./notices.js";
import { setStatus } from "./status.js";
import { serverText, t } from "./i18n.js";

/** @typedef {import("./protocol.js").ClientBodies} ClientBodies */
/** @typedef {import("./protocol.js").Frame} Frame */
/** @typedef {import("./protocol.js").Size} Size */

const BACKOFF_MS = [1000, 2000, 4000, 8000, 10000];
const SILENT_MS = 5000; // the relay sends ALIVE after 1.5 s of quiet
const WATCH_MS = 1000;

/**
 * True for a close code that means "do not come back".
 * @param {number} code
 */
function isFinal(code) {
  return code >= 4000 && code <= 4099;
}

export class Connection {
  /**
   * @param {object} options
   * @param {string} options.path e.g. "/ws?session=…"
   * @param {(frame: Frame) => void} options.onFrame
   * @param {() => Size} options.viewport size the page is laid out for
   * @param {(code: number, reason: string) => void} [options.onFinalClose]
   */
  constructor({ path, onFrame, viewport, onFinalClose }) {
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
    this.onFrame = onFrame;
    this.viewport = viewport;
    this.onFinalClose = onFinalClose;
    /** @type {WebSocket | null} */
    this.ws = null;
    this.attempt = 0;
    this.timer = 0;
    this.ended = false;
    this.lastSeq = 0; // highest ordered frame applied: the relay resumes after it
    /** @type {Promise<void> | null} while a deflated frame is inflated: later frames wait */
    this.inflating = null;
    this.heardAt = 0; // Date.now() of the last frame (or the open)
    this.watchdog = 0;
    addEventListener("offline", () => this.lost());
    addEventListener("online", () => {
      if (this.ws || this.ended) return;
      this.attempt = 0;
      this.start();
    });
  }

  /** The socket is dead without having closed: drop it, reconnect as after a close. */
  lost() {
    const ws = this.ws;
    if (!ws || this.ended) return;
    this.onClose(ws, /** @type {CloseEvent} */ ({ code: 1006, reason: "" }));
    ws.close();
  }

  /** Open the socket (again). */
  start() {
    if (this.ended) return;
    clearTimeout(this.timer);
    setStatus(this.attempt ? "reconnecting" : "connecting");
    const ws = new WebSocket(this.url);
    ws.binaryType = "arraybuffer";
    ws.addEventListener("open", () => {
      ws.send(encode(Msg.HELLO, { version: PROTOCOL_VERSION, viewport: this.viewport(), last_seq: this.lastSeq }));
      setStatus("connected");
      this.heardAt = Date.now();
      clearInterval(this.watchdog);
      this.watchdog = setInterval(() => {
        if (ws !== this.ws) clearInterval(this.watchdog);
        else if (Date.now() - this.heardAt > SILENT_MS) this.lost();
      }, WATCH_MS);
    });
    ws.addEventListener("message", (event) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      this.attempt = 0; // the relay answered: the next outage starts at 1 s again
      if (ws === this.ws) this.heardAt = Date.now();
      let frame;
      try {
        frame = decode(event.data);
      } catch (err) {
        console.error("undecodable frame", err);
        return;
      }
      if (frame.type === Msg.ALIVE) return; // a sign of life, nothing to show
      if (frame.body instanceof Promise || this.inflating) this.later(ws, frame);
      else this.deliver(frame);
    });
    ws.addEventListener("close", (event) => {
      // after the frames that came before it (ENDED may still be inflating)
      if (this.inflating) this.inflating.then(() => this.onClose(ws, event));
      else this.onClose(ws, event);
    });
    this.ws = ws;
  }

  /**
   * Hand one decoded frame to the handler.
   * @param {Frame} frame
   */
  deliver(frame) {
    try {
      this.onFrame(frame);
    } catch (err) {
      console.error(err);
    }
    if (frame.seq > this.lastSeq) this.lastSeq = frame.seq;
  }

  /**
   * A deflated frame (or one behind it): deliver in arrival order once its
   * body is inflated. Frames of a socket replaced meanwhile (restart()) are
   * dropped; a socket's close waits for its frames (see start()).
   * @param {WebSocket} ws
   * @param {Frame} frame
   */
  later(ws, frame) {
    if (frame.body instanceof Promise) frame.body.catch(() => {}); // reported below, in order
    const previous = this.inflating ?? Promise.resolve();
    const done = previous
      .then(() => frame.body)
      .then(
        (body) => {
          if (ws === this.ws) this.deliver({ ...frame, body });
        },
        (err) => console.error("undecodable frame", err),
      );
    this.inflating = done;
    done.then(() => {
      if (this.inflating === done) this.inflating = null;
    });
  }

  /**
   * @param {WebSocket} ws
   * @param {CloseEvent} event
   */
  onClose(ws, { code, reason }) {
    if (ws !== this.ws) return; // an old socket replaced by restart() or lost()
    this.ws = null;
    clearInterval(this.watchdog);
    if (this.ended) return;
    if (isFinal(code)) {
      this.ended = true;
      setStatus("ended");
      showNotice(reason ? serverText(reason) : t("closed_by_server"), { level: "warning", key: "closed" });
      this.onFinalClose?.(code, reason);
      return;
    }
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    setStatus("reconnecting", t("status_retry", { seconds: Math.round(delay / 1000) }));
    this.timer = setTimeout(() => this.start(), delay);
  }

  /** True while frames can be sent. */
  get open() {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /**
   * Send one client frame; dropped (false) while disconnected — the relay's
   * fresh snapshot after reconnecting is the state that counts.
   * @template {keyof ClientBodies} T
   * @param {T} type a Msg value
   * @param {ClientBodies[T]} body
   * @returns {boolean}
   */
  send(type, body) {
    if (!this.ws || !this.open) return false;
    this.ws.send(encode(type, body));
    return true;
  }

  /** Drop the socket and connect anew at once (e.g. to get a fresh snapshot). */
  restart() {
    if (this.ended) return;
    const old = this.ws;
    this.ws = null;
    old?.close(1000);
    this.lastSeq = 0; // ask for the whole current page
    this.start();
  }

  /**
   * The session is over: no reconnect. The socket closes after `graceMs`
   * (frames arriving meanwhile, e.g. the relay's ENDED, are still handled).
   * @param {number} [graceMs]
   */
  end(graceMs = 0) {
    this.ended = true;
    clearTimeout(this.timer);
    setStatus("ended");
    const ws = this.ws;
    const close = () => {
      ws?.close(1000);
      if (this.ws === ws) this.ws = null;
    };
    if (graceMs > 0) this.timer = setTimeout(close, graceMs);
    else close();
  }
}
