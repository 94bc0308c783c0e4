// The console's address field, kept as a browser keeps its address bar: it
// shows the shared page's address, but never overwrites what the advisor is
// typing. A page update while they type (a citizen who leads clicks a link, a
// reconnect brings the page again, another relay node takes the session over,
// a rendered page refreshes) would otherwise swap the typed address for the
// page's, and Enter would load that page again instead of the one typed.
// Escape puts the page's address back.

import { Msg } from "./protocol.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */

/**
 * @param {HTMLInputElement} field
 * @returns {{frames: Handlers, sent: () => void, reset: () => void}}
 */
export function addressBar(field) {
  let shown = ""; // the shared page's address
  let typed = false; // the field holds what the advisor typed, not `shown`
  field.addEventListener("input", () => {
    typed = field.value !== shown;
  });
  field.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !typed) return;
    event.stopPropagation(); // this Esc cancels the typing, not also the marking mode
    field.value = shown;
    typed = false;
  });
  /** @param {string} url */
  const show = (url) => {
    shown = url;
    if (!typed) field.value = url;
  };
  return {
    frames: {
      [Msg.SNAPSHOT]: (body) => show(body.url ?? ""),
      [Msg.MUTATIONS]: (body) => {
        if (body.navigate) show(body.navigate.url ?? "");
      },
    },
    /** The typed address went off: the page it loads may show its own. */
    sent: () => {
      typed = false;
    },
    /** A new session: nothing shown, nothing typed. */
    reset: () => {
      shown = "";
      typed = false;
      field.value = "";
    },
  };
}
