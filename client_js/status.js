// The state line in #status. Mostly the own connection ("Verbunden",
// "Verbindung wird wiederhergestellt …", set by connection.js); in the
// citizen's view, once the relay has said who is here, whether the advisor
// is there ("Ihre Beraterin oder Ihr Berater ist verbunden" / "… ist gerade
// nicht verbunden – bitte warten" / "… hat die Sitzung beendet"), which is
// what a caller needs to know (setPresence).

import { t } from "./i18n.js";

/** @typedef {"connecting"|"connected"|"reconnecting"|"ended"} ConnState */
/** @typedef {"here"|"away"|"ended"} Presence */

/** @type {ConnState | ""} */
let conn = "";
/** @type {string | undefined} */
let connDetail;
/** @type {Presence | null} */
let presence = null; // the advisor's, in the citizen's view only

function render() {
  const el = document.getElementById("status");
  if (!el) return;
  let state = /** @type {string} */ (conn);
  let text = connDetail ?? (conn ? t(`status_${conn}`) : "");
  // the own connection's trouble comes first; while it is fine, the advisor's presence
  if (presence && (conn === "connected" || (conn === "ended" && presence === "ended"))) {
    state = { here: "connected", away: "away", ended: "ended" }[presence];
    text = t(`presence_${presence}`);
  }
  el.dataset.state = state;
  el.textContent = text;
}

/**
 * Show the connection state in #status.
 * @param {ConnState} state
 * @param {string} [detail] replaces the default text, e.g. with a countdown
 */
export function setStatus(state, detail) {
  conn = state;
  connDetail = detail;
  render();
}

/**
 * Whether the advisor is connected, away, or has ended the session
 * (citizen view); shown while the own connection is fine.
 * @param {Presence} state
 */
export function setPresence(state) {
  if (presence === "ended") return; // the end is final
  presence = state;
  render();
}
