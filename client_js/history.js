// The advisor's back, forward and reload buttons: HISTORY_GO frames; each
// button is enabled when the shared page's history allows that step.

import { currentPage, onMirrorChange } from "./mirror.js";
import { Msg } from "./protocol.js";

/** @typedef {import("./protocol.js").Send} Send */

/** @type {Array<[string, -1 | 0 | 1, "back" | "forward" | null]>} button id, step, history flag */
const BUTTONS = [
  ["history-back", -1, "back"],
  ["history-forward", 1, "forward"],
  ["history-reload", 0, null],
];

/** @param {Send} send */
export function wireHistoryButtons(send) {
  for (const [id, step] of BUTTONS) {
    document.getElementById(id)?.addEventListener("click", () => send(Msg.HISTORY_GO, { step }));
  }
  onMirrorChange(() => {
    const info = currentPage();
    for (const [id, , flag] of BUTTONS) {
      const button = /** @type {HTMLButtonElement | null} */ (document.getElementById(id));
      if (button) button.disabled = !info || (flag !== null && !info.history?.[flag]);
    }
  });
}
