// Drawn over the mirror, never into the page: the highlight (a spotlight
// around the element the advisor marked) and the click pulse (a ring where
// the advisor clicked). Both are element-relative, so they land on the same
// element on every screen; the console's mirror may be scaled down, which
// the geometry here accounts for.
//
// The highlight is part of the page (the relay sets `data-cb-highlight` on
// the marked element and broadcasts it as a mutation), so late joiners see it
// and it is gone with the page. Pulses are PULSE frames.
//
// Advisor side: "Element markieren", then a click in the mirror, sends
// HIGHLIGHT_SET; "Markierung entfernen" clears it; a plain click shows a
// pulse here at once and sends PULSE_AT. Citizen side: PULSE frames.

import { currentPage, elementOf, mirrorDocument, nodeIdOf, onMirrorChange } from "./mirror.js";
import { listenInMirror } from "./mirror_events.js";
import { locate, spotOf } from "./pointer.js";
import { Msg } from "./protocol.js";
import { perFrame } from "./rate.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").Send} Send */
/** @typedef {import("./protocol.js").PulseBody} PulseBody */

const HIGHLIGHT_ATTR = "data-cb-highlight";
const PULSE_MS = 900;
const PAD = 4; // px around the highlighted element
// Elements worth marking: the advisor's click on a word marks its paragraph, link, button …
const MARKABLE = "a, button, input, select, textarea, label, img, svg, video, li, dt, dd, p, "
  + "h1, h2, h3, h4, h5, h6, td, th, tr, figure, blockquote, pre, summary, details, fieldset, form, "
  + "table, section, article, aside, nav";

/**
 * Box of `rect` (mirror viewport coordinates) in the coordinates of the iframe's wrap.
 * @param {HTMLIFrameElement} iframe
 * @param {{left: number, top: number, width: number, height: number}} rect
 */
function toWrap(iframe, rect) {
  const wrap = /** @type {HTMLElement} */ (iframe.parentElement);
  const fr = iframe.getBoundingClientRect();
  const wr = wrap.getBoundingClientRect();
  const scale = iframe.offsetWidth ? fr.width / iframe.offsetWidth : 1;
  const left = fr.left - wr.left - wrap.clientLeft + (iframe.clientLeft + rect.left) * scale;
  const top = fr.top - wr.top - wrap.clientTop + (iframe.clientTop + rect.top) * scale;
  return { left, top, width: rect.width * scale, height: rect.height * scale };
}

/**
 * The element a click on `target` marks.
 * @param {Node | null} target
 * @returns {Element | null}
 */
function markableElement(target) {
  const el = elementOf(target);
  const found = el?.closest(MARKABLE) ?? el;
  for (let e = found; e; e = e.parentElement) if (nodeIdOf(e) !== undefined) return e;
  return null;
}

/**
 * Show the highlight and pulses over `iframe` (inside its `.mirror-wrap`).
 * @param {HTMLIFrameElement} iframe
 * @returns {{pulse: (body: PulseBody) => void, highlighted: () => Element|null}}
 */
function startOverlays(iframe) {
  const wrap = /** @type {HTMLElement} */ (iframe.parentElement);
  const box = document.createElement("div");
  box.className = "mirror-highlight";
  box.dataset.testid = "highlight";
  box.hidden = true;
  box.setAttribute("aria-hidden", "true");
  wrap.append(box);

  const highlighted = () => mirrorDocument()?.querySelector(`[${HIGHLIGHT_ATTR}]`) ?? null;
  const place = () => {
    const el = highlighted();
    const rect = el?.getBoundingClientRect();
    if (!el || !rect || (rect.width === 0 && rect.height === 0)) {
      box.hidden = true;
      return;
    }
    const r = toWrap(iframe, rect);
    box.style.transform = `translate(${(r.left - PAD).toFixed(1)}px, ${(r.top - PAD).toFixed(1)}px)`;
    box.style.width = `${(r.width + 2 * PAD).toFixed(1)}px`;
    box.style.height = `${(r.height + 2 * PAD).toFixed(1)}px`;
    box.hidden = false;
  };
  const schedule = perFrame(place);
  listenInMirror({ scroll: schedule, load: schedule });
  onMirrorChange(schedule);
  window.addEventListener("resize", schedule);
  new ResizeObserver(schedule).observe(iframe);

  /** @param {PulseBody} body */
  const pulse = ({ page, node, x, y }) => {
    if (page !== currentPage()?.page) return;
    const at = spotOf(node, x, y); // fractions as pointer.js locate() makes them
    if (!at) return;
    const spot = toWrap(iframe, { ...at, width: 0, height: 0 });
    if (spot.left < 0 || spot.top < 0 || spot.left > wrap.clientWidth || spot.top > wrap.clientHeight) return;
    const ring = document.createElement("div");
    ring.className = "mirror-pulse";
    ring.dataset.testid = "click-pulse";
    ring.setAttribute("aria-hidden", "true");
    ring.style.left = `${spot.left.toFixed(1)}px`;
    ring.style.top = `${spot.top.toFixed(1)}px`;
    wrap.append(ring);
    // Removed after the animation (which reduced-motion turns off: then after the time).
    const done = () => ring.remove();
    ring.addEventListener("animationend", done, { once: true });
    setTimeout(done, PULSE_MS);
  };
  return { pulse, highlighted };
}

/**
 * The advisor's half: marking an element and click pulses.
 * @param {Send} send
 * @returns {{beforeClick: (event: MouseEvent) => boolean}} for interceptMirror():
 *   true while marking (the click marks and does nothing else)
 */
export function advisorOverlays(send) {
  const iframe = /** @type {HTMLIFrameElement} */ (document.getElementById("mirror"));
  const overlays = startOverlays(iframe);
  const page = () => currentPage()?.page;
  const markButton = document.getElementById("highlight-mode");
  const clearButton = /** @type {HTMLButtonElement | null} */ (document.getElementById("highlight-clear"));
  let marking = false;
  /** @param {boolean} on */
  const setMarking = (on) => {
    marking = on;
    markButton?.setAttribute("aria-pressed", String(on));
    const hint = document.getElementById("highlight-hint");
    if (hint) hint.hidden = !on;
    iframe.parentElement?.classList.toggle("mirror-wrap--marking", on);
  };
  markButton?.addEventListener("click", () => setMarking(!marking));
  clearButton?.addEventListener("click", () => {
    const at = page();
    if (at !== undefined) send(Msg.HIGHLIGHT_SET, { page: at, node: null });
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && marking) setMarking(false);
  });
  onMirrorChange((kind) => {
    if (clearButton) clearButton.disabled = !overlays.highlighted();
    if (kind === "snapshot") setMarking(false);
  });

  // A pulse where the advisor clicks, for everyone (here at once).
  listenInMirror({
    click: (/** @type {MouseEvent} */ e) => {
      const at = page();
      if (marking || at === undefined || e.button !== 0) return;
      const spot = locate(/** @type {Element} */ (e.target), e.clientX, e.clientY);
      if (spot.node === null) return;
      const body = { page: at, ...spot, node: spot.node };
      overlays.pulse(body);
      send(Msg.PULSE_AT, body);
    },
  });

  return {
    beforeClick: (e) => {
      if (!marking) return false;
      const el = markableElement(/** @type {Node} */ (e.target));
      const node = el ? nodeIdOf(el) : undefined;
      const at = page();
      if (node !== undefined && at !== undefined) send(Msg.HIGHLIGHT_SET, { page: at, node });
      setMarking(false);
      return true;
    },
  };
}

/**
 * The citizen's half: the highlight, and PULSE frames as rings.
 * @returns {Handlers}
 */
export function citizenOverlays() {
  const overlays = startOverlays(/** @type {HTMLIFrameElement} */ (document.getElementById("mirror")));
  return { [Msg.PULSE]: overlays.pulse };
}
