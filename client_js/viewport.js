// "The same picture" (DESIGN principle 6): the advisor's mirror is laid out
// at the citizen's mirror size, shown 1:1 and scaled down only when the
// console is too small — too narrow, or too low to show all of it below the
// tools (a 1366 × 768 call-centre screen) — with its outline and size visible.

import { Msg } from "./protocol.js";
import { LOCALE, t } from "./i18n.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").Participant} Participant */
/** @typedef {import("./protocol.js").Size} Size */
/** @typedef {{id: string, size: Size}} Mirrored */

const sizeFormat = new Intl.NumberFormat(LOCALE);
// Fitting into the window's height never makes the mirror lower than this
// (CSS px): in a tiny window the console scrolls instead.
const MIN_FIT_HEIGHT = 240;
const BOTTOM_GAP = 8;

/**
 * The viewport to mirror: the chosen participant's, else the first citizen's, else none;
 * of those connected when anyone is (someone who closed the tab is not watching).
 * @param {Participant[]} participants
 * @param {string | undefined} chosenId
 * @returns {Mirrored | null}
 */
function pickViewport(participants, chosenId) {
  const sized = participants.filter((p) => p.role !== "advisor" && Array.isArray(p.viewport));
  const watching = sized.filter((p) => p.connected !== false);
  const others = watching.length ? watching : sized;
  const chosen = others.find((p) => p.id === chosenId) ?? others.find((p) => p.role === "citizen") ?? others[0];
  return chosen ? { id: chosen.id, size: /** @type {Size} */ (chosen.viewport) } : null;
}

/**
 * Lay `iframe` out at `size` ([w, h] CSS px) inside its `.mirror-wrap`, scaled
 * down to fit the wrap's available width and the window's height below the
 * wrap's top; `null` returns to filling the space.
 * `label` shows "Bürgeransicht W × H".
 * @param {HTMLIFrameElement} iframe
 * @param {Size | null} size
 * @param {HTMLElement | null} label
 */
function fitMirror(iframe, size, label) {
  const wrap = /** @type {HTMLElement} */ (iframe.parentElement);
  if (!size) {
    for (const prop of /** @type {const} */ (["width", "height", "transform", "transformOrigin", "boxSizing"])) {
      iframe.style[prop] = "";
    }
    wrap.style.height = "";
    wrap.style.width = "";
    wrap.classList.remove("mirror-wrap--fixed");
    if (label) label.textContent = "";
    return;
  }
  const [width, height] = size;
  const available = wrap.parentElement?.clientWidth || width;
  const top = wrap.getBoundingClientRect().top + window.scrollY - (parseFloat(wrap.style.top) || 0);
  const below = Math.max(MIN_FIT_HEIGHT, window.innerHeight - top - BOTTOM_GAP);
  const border = iframe.offsetWidth - iframe.clientWidth;
  const scale = Math.min(1, available / (width + border), below / (height + border));
  iframe.style.boxSizing = "content-box";
  iframe.style.width = `${width}px`;
  iframe.style.height = `${height}px`;
  iframe.style.transformOrigin = "0 0";
  iframe.style.transform = scale < 1 ? `scale(${scale})` : "";
  wrap.style.width = `${Math.ceil((width + border) * scale)}px`;
  wrap.style.height = `${Math.ceil((height + border) * scale)}px`;
  wrap.classList.add("mirror-wrap--fixed");
  if (label) {
    const scaled = scale < 1 ? t("viewport_scaled", { percent: Math.round(scale * 100) }) : "";
    label.textContent = t("viewport_label", { width: sizeFormat.format(width), height: sizeFormat.format(height), scaled });
  }
}

/**
 * Keep the mirror's top-left corner on whole CSS pixels. Text above it can
 * leave it at, say, y = 175.23; the page inside is then snapped differently
 * than in another participant's mirror at y = 280.5, and the two pictures
 * differ by a pixel row. A fractional relative offset of the wrap (which is
 * position: relative; margins would collapse) undoes that.
 * @param {HTMLIFrameElement} iframe
 * @returns {() => void} align again (the page changed)
 */
export function keepOnPixelGrid(iframe) {
  const wrap = /** @type {HTMLElement} */ (iframe.parentElement);
  let frame = 0;
  const align = () => {
    frame = 0;
    wrap.style.top = "";
    wrap.style.left = "";
    const rect = iframe.getBoundingClientRect();
    const top = rect.top + window.scrollY;
    const left = rect.left + window.scrollX;
    const dy = Math.ceil(top - 0.001) - top;
    const dx = Math.ceil(left - 0.001) - left;
    if (dy > 0.001) wrap.style.top = `${dy}px`;
    if (dx > 0.001) wrap.style.left = `${dx}px`;
  };
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(align);
  };
  const resized = new ResizeObserver(schedule);
  resized.observe(document.body);
  // a notice coming or going above the mirror moves it without resizing the body
  const notices = document.getElementById("notices");
  if (notices) resized.observe(notices);
  window.addEventListener("resize", schedule);
  schedule();
  return schedule;
}

/**
 * The advisor's console lays its mirror out at the (first) citizen's mirror
 * size, told in PARTICIPANTS; kept fitted when the console is resized.
 * @returns {Handlers}
 */
export function advisorViewport() {
  const iframe = /** @type {HTMLIFrameElement} */ (document.getElementById("mirror"));
  const label = document.getElementById("viewport-label");
  /** @type {Mirrored | null} */
  let mirrored = null; // whose view the mirror shows
  const refit = () => {
    if (mirrored) fitMirror(iframe, mirrored.size, label);
  };
  window.addEventListener("resize", refit);
  // what is above the mirror (tools, page title, a hint, the notice line
  // atop the column) changes its top
  const wrap = iframe.parentElement;
  const above = new ResizeObserver(refit);
  for (const el of wrap?.parentElement?.children ?? []) if (el !== wrap) above.observe(el);
  const notices = document.getElementById("notices");
  if (notices) above.observe(notices);
  return {
    [Msg.PARTICIPANTS]: (body) => {
      const next = pickViewport(body.participants ?? [], mirrored?.id);
      if (next?.id === mirrored?.id && next?.size.join("x") === mirrored?.size.join("x")) return;
      mirrored = next;
      fitMirror(iframe, next?.size ?? null, label);
    },
  };
}
