// The connection state in #status ("Verbunden", "Verbindung wird
// wiederhergestellt …"), set by connection.js and at the end of a session.

import { t } from "./i18n.js";

/**
 * Show the connection state in #status.
 * @param {"connecting"|"connected"|"reconnecting"|"ended"} state
 * @param {string} [detail] replaces the default text, e.g. with a countdown
 */
export function setStatus(state, detail) {
  const el = document.getElementById("status");
  if (!el) return;
  el.dataset.state = state;
  el.textContent = detail ?? (state ? t(`status_${state}`) : "");
}
