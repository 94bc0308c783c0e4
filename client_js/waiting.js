// The waiting screen of a joiner who must be confirmed or admitted: the
// read-back words, or that the advisor lets them in. Nothing of the session
// is shown until the relay lets them in; its first other frame does that.

import { Msg } from "./protocol.js";
import { t } from "./i18n.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").WaitingBody} WaitingBody */

/**
 * A joiner waits: show the read-back words (or that the advisor must admit them).
 * @param {WaitingBody} body
 */
export function showWaiting({ phrase, reason }) {
  const box = document.getElementById("waiting");
  const text = document.getElementById("waiting-text");
  const words = document.getElementById("waiting-phrase");
  if (!box || !text || !words) return;
  if (reason === "confirm" && phrase) {
    text.textContent = t("read_words");
    words.textContent = phrase;
    words.hidden = false;
  } else {
    text.textContent = t("please_wait");
    words.hidden = true;
  }
  box.hidden = false;
  document.getElementById("view")?.setAttribute("hidden", "");
}

/** The relay let the joiner in: hide the waiting screen, show the view. */
export function hideWaiting() {
  const box = document.getElementById("waiting");
  if (!box || box.hidden) return;
  box.hidden = true;
  document.getElementById("view")?.removeAttribute("hidden");
}

/**
 * WAITING shows the waiting screen; every server frame but WELCOME and
 * WAITING hides it (an admitted joiner gets the session's frames). Goes
 * first in a view's table.
 * @returns {Handlers}
 */
export function waitingFrames() {
  /** @type {Record<number, (body: any) => void>} */
  const handlers = { [Msg.WAITING]: showWaiting };
  for (const type of Object.values(Msg)) {
    if (type < 64 && type !== Msg.WELCOME && type !== Msg.WAITING) handlers[type] = hideWaiting;
  }
  return handlers;
}
