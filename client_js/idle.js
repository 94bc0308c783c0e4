// The idle warning: the session ends soon for lack of activity; offer to
// keep it (WCAG 2.2.1). Hidden again when the relay says it was extended.

import { Msg } from "./protocol.js";
import { t } from "./i18n.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").Send} Send */

/**
 * Show the warning; its button sends EXTEND.
 * @param {{seconds: number}} body
 * @param {Send} send
 */
export function showIdleWarning({ seconds }, send) {
  const box = document.getElementById("idle-warning");
  const text = document.getElementById("idle-text");
  const extend = document.getElementById("idle-extend");
  if (!box || !text || !extend) return;
  const minutes = Math.max(1, Math.round(seconds / 60));
  text.textContent = t("idle_warning", { minutes });
  box.hidden = false;
  extend.onclick = () => {
    if (send(Msg.EXTEND, {})) box.hidden = true;
  };
  extend.focus();
}

export function hideIdleWarning() {
  const box = document.getElementById("idle-warning");
  if (box) box.hidden = true;
}

/**
 * @param {Send} send
 * @returns {Handlers} IDLE_WARNING: show it; NOTICE "extended": hide it
 */
export function idleFrames(send) {
  return {
    [Msg.IDLE_WARNING]: (body) => showIdleWarning(body, send),
    [Msg.NOTICE]: (body) => {
      if (body.key === "extended") hideIdleWarning();
    },
  };
}
