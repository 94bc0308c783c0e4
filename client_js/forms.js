// Form fields: what the advisor types, ticks and chooses in the mirrored
// page appears for everyone (INPUT_SET → the relay changes its copy of the
// page → MUTATIONS). Private fields never leave the advisor's browser: the
// relay marks them `data-cb-masked` (passwords and its configured rules) and
// this module also refuses every password field by itself. The relay refuses
// such values too (defence in depth).
//
// In a citizen's mirror the fields only show what the advisor did: typing,
// pasting and choosing there is blocked, so the advisor's values always show —
// except while that citizen or guest leads (lead.js): then their typing goes
// out the advisor's way, masked fields stay in their own browser.

import { currentPage, keepTypedValues, nodeIdOf } from "./mirror.js";
import { listenInMirror } from "./mirror_events.js";
import { Msg } from "./protocol.js";

/** @typedef {import("./protocol.js").Send} Send */
/** @typedef {HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement} Field */

const INTERVAL_MS = 50;
const FIELDS = new Set(["input", "textarea", "select"]);
const NO_VALUE = new Set(["button", "submit", "reset", "image", "file", "hidden", "password"]);
const PRIVATE_AUTOCOMPLETE = /\b(current-password|new-password|one-time-code|cc-number|cc-csc|cc-exp)\b/i;

/**
 * True if `el`'s value must never be sent or shown to others.
 * @param {Element} el
 */
export function isMasked(el) {
  if (!el || el.nodeType !== Node.ELEMENT_NODE) return false;
  if (el.hasAttribute("data-cb-masked")) return true;
  if (el.localName === "input" && (/** @type {HTMLInputElement} */ (el).type === "password" || el.getAttribute("type")?.trim().toLowerCase() === "password")) {
    return true;
  }
  return PRIVATE_AUTOCOMPLETE.test(el.getAttribute("autocomplete") ?? "");
}

/**
 * Names of the masked fields of `form`: their values are left out of a submission.
 * @param {HTMLFormElement} form
 * @returns {Set<string>}
 */
export function maskedNames(form) {
  /** @type {Set<string>} */
  const names = new Set();
  for (const el of form.elements) {
    const name = /** @type {Field} */ (el).name;
    if (isMasked(el) && name) names.add(name);
  }
  return names;
}

/**
 * The INPUT_SET state of a field, or null for fields without one.
 * @param {Field} el
 * @returns {{selected: number[]} | {value: string} | {checked: boolean} | null}
 */
function fieldState(el) {
  if (el.localName === "select") {
    const select = /** @type {HTMLSelectElement} */ (el);
    return { selected: Array.from(select.options).flatMap((option, i) => (option.selected ? [i] : [])) };
  }
  if (el.localName === "textarea") return { value: el.value };
  if (NO_VALUE.has(el.type)) return null;
  if (el.type === "checkbox" || el.type === "radio") return { checked: /** @type {HTMLInputElement} */ (el).checked };
  return { value: el.value };
}

/**
 * Send INPUT_SET for changes to the mirror's form fields (per field the
 * latest value, at most every 50 ms) while `active()` (the advisor always;
 * a citizen or guest while leading); masked fields are never sent.
 * The field being typed in keeps what it shows when the relay echoes its
 * (older) value back.
 * @param {Send} send
 * @param {() => boolean} [active]
 * @returns {{flush: () => void}} sends the changes still waiting, now
 */
export function trackInput(send, active = () => true) {
  keepTypedValues();
  /** @type {Map<Field, number | undefined>} */
  const pending = new Map(); // field → page it was changed on
  let timer = 0;
  let sentAt = -Infinity;
  const flush = () => {
    clearTimeout(timer);
    timer = 0;
    sentAt = performance.now();
    const page = currentPage()?.page;
    for (const [el, changedOn] of pending) {
      const node = nodeIdOf(el);
      const state = el.isConnected && !isMasked(el) ? fieldState(el) : null;
      if (node === undefined || state === null || page === undefined || changedOn !== page) continue;
      send(Msg.INPUT_SET, { page, node, ...state });
    }
    pending.clear();
  };
  const onChange = (/** @type {Event} */ e) => {
    const el = /** @type {Field} */ (e.target);
    if (!FIELDS.has(el?.localName) || isMasked(el) || !active()) return;
    pending.set(el, currentPage()?.page);
    if (!timer) timer = setTimeout(flush, Math.max(0, sentAt + INTERVAL_MS - performance.now()));
  };
  listenInMirror({ input: onChange, change: onChange });
  return { flush };
}

/**
 * Citizen: the mirror's fields show the advisor's values; typing there does
 * nothing unless `free()` (the citizen leads).
 * @param {() => boolean} [free]
 */
export function guardCitizenFields(free = () => false) {
  const inField = (/** @type {Event} */ e) => !free() && FIELDS.has(/** @type {Element | null} */ (e.target)?.localName ?? "");
  const block = (/** @type {Event} */ e) => {
    if (inField(e)) e.preventDefault();
  };
  listenInMirror({
    beforeinput: block,
    paste: block,
    mousedown: (/** @type {MouseEvent} */ e) => {
      if (!free() && /** @type {Element | null} */ (e.target)?.closest?.("select")) e.preventDefault(); // no dropdown of its own
    },
    keydown: (/** @type {KeyboardEvent} */ e) => {
      if (inField(e) && e.key !== "Tab") e.preventDefault();
    },
  });
}
