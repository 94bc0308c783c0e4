// The advisor's access code: shown in two groups ("123 456") with a
// countdown to its expiry (corrected for a local clock that differs from the
// relay's); CODE frames bring a new code or revoke it; once someone joined,
// the deadline no longer matters.

import { Msg } from "./protocol.js";
import { LOCALE, t } from "./i18n.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").CodeBody} CodeBody */

const timeFormat = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit" });
const codeEl = () => /** @type {HTMLElement} */ (document.getElementById("session-code"));
const expiryEl = () => /** @type {HTMLElement} */ (document.getElementById("code-expiry"));

let countdown = 0;

/**
 * "123456" → "123 456" (read out in two groups over the phone).
 * @param {unknown} code
 */
function formatCode(code) {
  const digits = String(code ?? "").replace(/\D/g, "");
  return digits.length === 6 ? `${digits.slice(0, 3)} ${digits.slice(3)}` : String(code ?? "");
}

/**
 * Epoch milliseconds of a timestamp given in seconds, milliseconds or ISO form.
 * @param {unknown} value
 */
function toMillis(value) {
  const n = Number(value);
  if (Number.isFinite(n)) return n < 1e12 ? n * 1000 : n;
  return Date.parse(String(value));
}

/**
 * Count down to `expiresAt`; `serverNow` (same unit) corrects for a local
 * clock that differs from the relay's.
 * @param {unknown} expiresAt
 * @param {unknown} [serverNow]
 */
function startCountdown(expiresAt, serverNow) {
  clearInterval(countdown);
  const el = expiryEl();
  const skew = serverNow === undefined ? 0 : Date.now() - toMillis(serverNow);
  const end = toMillis(expiresAt) + (Number.isFinite(skew) ? skew : 0);
  if (!Number.isFinite(end)) {
    el.textContent = "";
    return;
  }
  const tick = () => {
    const minutes = Math.ceil((end - Date.now()) / 60000);
    if (minutes <= 0) {
      el.textContent = t("code_expired");
      clearInterval(countdown);
      return;
    }
    el.textContent = t("code_valid_until", { time: timeFormat.format(end), minutes });
  };
  tick();
  countdown = window.setInterval(tick, 15000);
}

/**
 * A session was opened: show its code (from the sessions API).
 * @param {{code?: unknown, expires_at?: unknown, now?: unknown}} data
 */
export function showSessionCode(data) {
  codeEl().textContent = formatCode(data.code);
  startCountdown(data.expires_at, data.now);
}

/** The session is over: no countdown. */
export function stopCountdown() {
  clearInterval(countdown);
}

/**
 * A new code (or none: revoked after a denial/removal).
 * @param {CodeBody} body
 */
function showCode({ code, expires_at: expiresAt }) {
  if (code) {
    codeEl().textContent = formatCode(code);
    startCountdown(expiresAt);
    return;
  }
  clearInterval(countdown);
  codeEl().textContent = "–";
  expiryEl().textContent = t("code_revoked");
}

/** @returns {Handlers} CODE; PARTICIPANTS: someone joined, the deadline no longer matters */
export function codeFrames() {
  return {
    [Msg.CODE]: showCode,
    [Msg.PARTICIPANTS]: (body) => {
      if (body.participants?.some((p) => p.role !== "advisor")) {
        clearInterval(countdown);
        expiryEl().textContent = "";
      }
    },
  };
}
