// What a click, Enter key or drop inside the mirror does.
//
// The mirrored page must never navigate or submit by itself: only the
// relay fetches pages. Fragment links scroll the mirror locally; links,
// form submissions and widgets (details, tabs, disclosure buttons) are
// handed to the caller (the advisor, and a citizen or guest while leading,
// turn them into CLICK/SUBMIT/TOGGLE frames; otherwise a citizen's do nothing). Widgets never toggle locally: the relay
// changes the page for everyone, the advisor's mirror included. The iframe's sandbox has no
// allow-forms, so the browser never fires `submit` there: submission is
// recognised from the submit button's click and from Enter in a field.

import { currentPage, elementOf, mirrorDocument, onMirrorChange } from "./mirror.js";

const XLINK_NS = "http://www.w3.org/1999/xlink";
const SUBMITTER = "button:not([type]), button[type=submit], input[type=submit], input[type=image]";
// Controls whose default action only changes local state (checking a box,
// choosing an option, focusing via a label) keep it for the advisor.
const LOCAL_CONTROL = "input, select, textarea, label, option";
const NO_IMPLICIT_SUBMIT = new Set(["button", "checkbox", "radio", "file", "reset", "submit", "image", "hidden", "color", "range"]);
// Widgets the relay emulates (cobrowse/session/edits.py); data-cb-widget marks the
// triggers of the widget presets and the operator's per-host widget rules
// (set by the relay only). A reset button is handed over too: the relay
// knows the fields' values before the advisor typed.
const WIDGET = "summary, [data-cb-widget], button[type=reset], input[type=reset]";
// Keys that move between the tabs of a tablist (ARIA tabs pattern).
const TAB_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"]);

/** @typedef {{[K in keyof DocumentEventMap]?: (event: DocumentEventMap[K]) => void}} MirrorHandlers */

/**
 * Keep capture listeners attached to whatever document the mirror renders
 * into (it is bound once the iframe is ready).
 * @param {MirrorHandlers} handlers event type → handler
 */
export function listenInMirror(handlers) {
  /** @type {Document | null} */
  let doc = null;
  const entries = /** @type {Array<[string, (event: Event) => void]>} */ (Object.entries(handlers));
  /** @param {Document | null} d */
  const attach = (d) => {
    if (d === doc) return;
    for (const [type, fn] of entries) doc?.removeEventListener(type, fn, true);
    doc = d;
    for (const [type, fn] of entries) doc?.addEventListener(type, fn, true);
  };
  attach(mirrorDocument());
  onMirrorChange((kind, d) => attach(d));
}

/**
 * Fragment (without "#") an in-page link points to, or null.
 * @param {Element} link
 * @returns {string | null}
 */
function fragmentOf(link) {
  const href = link.getAttribute("href") ?? link.getAttributeNS(XLINK_NS, "href");
  if (href === null) return null;
  if (href.startsWith("#")) return href.slice(1);
  const page = currentPage()?.url;
  if (!page) return null;
  if (!href.includes("#")) return null;
  try {
    const url = new URL(href, page);
    const here = new URL(page);
    const samePage = url.origin === here.origin && url.pathname === here.pathname && url.search === here.search;
    return samePage ? url.hash.slice(1) : null;
  } catch {
    return null;
  }
}

/**
 * Scroll the mirror to an in-page target (id, or `<a name>`), or to the top.
 * @param {string} fragment without "#"
 */
export function scrollToFragment(fragment) {
  const doc = mirrorDocument();
  if (!doc) return;
  let name = fragment;
  try {
    name = decodeURIComponent(fragment);
  } catch {
    // keep it as it is
  }
  const target = name ? (doc.getElementById(name) ?? doc.getElementsByName(name)[0]) : null;
  if (target) target.scrollIntoView({ block: "start" });
  else if (!name || name.toLowerCase() === "top") doc.defaultView?.scrollTo(0, 0);
}

/**
 * Arrow keys, Home and End on a tab: focus the neighbouring (first, last)
 * tab of its tablist and activate it (automatic activation, as the ARIA
 * tabs pattern recommends). False if `from` is no tab in a tablist.
 * @param {Element} from
 * @param {string} key
 * @param {((widget: Element) => void) | undefined} onToggle
 * @returns {boolean}
 */
function moveBetweenTabs(from, key, onToggle) {
  const tab = from.closest?.("[role=tab]");
  const list = tab?.closest("[role=tablist]");
  if (!tab || !list) return false;
  const tabs = Array.from(list.querySelectorAll("[role=tab]")).filter((t) => t.closest("[role=tablist]") === list);
  const vertical = list.getAttribute("aria-orientation") === "vertical";
  const at = tabs.indexOf(tab);
  const step = { ArrowLeft: vertical ? 0 : -1, ArrowRight: vertical ? 0 : 1, ArrowUp: vertical ? -1 : 0, ArrowDown: vertical ? 1 : 0 }[key];
  let next = at;
  if (key === "Home") next = 0;
  else if (key === "End") next = tabs.length - 1;
  else if (step) next = (at + step + tabs.length) % tabs.length;
  else return false;
  const target = /** @type {HTMLElement} */ (tabs[next]);
  if (target === tab) return true;
  target.focus();
  onToggle?.(target);
  return true;
}

/**
 * Intercept navigation inside the mirror.
 * @param {object} handlers
 * @param {(link: Element) => void} [handlers.onLink] a link to another page was activated
 * @param {(form: HTMLFormElement, submitter: HTMLElement|null) => void} [handlers.onSubmit]
 *   a form was submitted; without it forms cannot be submitted and form
 *   controls keep no default action either
 * @param {(widget: Element) => void} [handlers.onToggle] a widget was activated
 * @param {(fragment: string) => void} [handlers.onFragment] an in-page link is about to scroll
 * @param {(event: MouseEvent) => boolean} [handlers.beforeClick] true: the click is
 *   handled already (e.g. marking an element) and does nothing else
 * @param {() => boolean} [handlers.controls] whether form controls keep their
 *   default action now (default: when `onSubmit` is given; a citizen's only while leading)
 */
export function interceptMirror({ onLink, onSubmit, onToggle, onFragment, beforeClick, controls } = {}) {
  const onClick = (/** @type {MouseEvent} */ e) => {
    const target = elementOf(/** @type {Node | null} */ (e.target));
    if (!target || beforeClick?.(e)) {
      e.preventDefault();
      return;
    }
    const widget = target.closest(WIDGET);
    const inner = target.closest("a, area");
    if (widget && !(inner && inner !== widget && widget.contains(inner))) {
      e.preventDefault();
      onToggle?.(widget);
      return;
    }
    const submitter = /** @type {HTMLButtonElement | HTMLInputElement | null} */ (target.closest(SUBMITTER));
    if (submitter?.form && onSubmit) {
      e.preventDefault();
      onSubmit(submitter.form, submitter);
      return;
    }
    const link = target.closest("a, area");
    if (!link && onSubmit && (controls?.() ?? true) && target.closest(LOCAL_CONTROL)) return;
    e.preventDefault();
    if (!link) return;
    const fragment = fragmentOf(link);
    if (fragment !== null) {
      onFragment?.(fragment);
      scrollToFragment(fragment);
    } else {
      onLink?.(link);
    }
  };
  const onKeyDown = (/** @type {KeyboardEvent} */ e) => {
    if (TAB_KEYS.has(e.key) && moveBetweenTabs(/** @type {Element} */ (e.target), e.key, onToggle)) {
      e.preventDefault();
      return;
    }
    const field = /** @type {HTMLInputElement} */ (e.target);
    if (e.key !== "Enter" || e.isComposing || field.localName !== "input" || !field.form) return;
    if (NO_IMPLICIT_SUBMIT.has(field.type)) return;
    e.preventDefault();
    const submitter = Array.from(field.form.elements).find((el) => el.matches(SUBMITTER));
    onSubmit?.(field.form, /** @type {HTMLElement | undefined} */ (submitter) ?? null);
  };
  const onFormSubmit = (/** @type {SubmitEvent} */ e) => {
    // Only fires if the sandbox ever allows forms; handled the same way.
    e.preventDefault();
    onSubmit?.(/** @type {HTMLFormElement} */ (e.target), e.submitter ?? null);
  };
  const prevent = (/** @type {Event} */ e) => e.preventDefault();
  listenInMirror({
    click: onClick,
    auxclick: prevent,
    keydown: onKeyDown,
    submit: onFormSubmit,
    dragover: prevent,
    drop: prevent,
  });
}

/**
 * Whether `el` can still scroll by (dx, dy) (a wheel's deltas).
 * @param {Element} el
 * @param {number} dx
 * @param {number} dy
 */
function canScroll(el, dx, dy) {
  const doc = el.ownerDocument;
  const root = el === doc.scrollingElement;
  const style = doc.defaultView?.getComputedStyle(el);
  const scrolls = (/** @type {string} */ overflow) => root ? overflow !== "hidden" && overflow !== "clip" : overflow === "auto" || overflow === "scroll";
  if (dy && style && scrolls(style.overflowY)) {
    if (dy > 0 ? el.scrollTop + el.clientHeight < el.scrollHeight - 1 : el.scrollTop > 0) return true;
  }
  if (dx && style && scrolls(style.overflowX)) {
    if (dx > 0 ? el.scrollLeft + el.clientWidth < el.scrollWidth - 1 : el.scrollLeft > 0) return true;
  }
  return false;
}

/**
 * The wheel over the mirror scrolls the shared page and nothing else: at the
 * page's end (or on a page that does not scroll) it does not go on to scroll
 * the console or the citizen's view around the mirror.
 */
export function containWheel() {
  /** @param {WheelEvent} event */
  const onWheel = (event) => {
    if (event.ctrlKey) return; // pinch or Ctrl+wheel zooms: leave it to the browser
    const start = elementOf(/** @type {Node | null} */ (event.target));
    const doc = start?.ownerDocument ?? mirrorDocument();
    for (let el = start; el; el = el.parentElement) {
      if (canScroll(el, event.deltaX, event.deltaY)) return;
    }
    const root = doc?.scrollingElement;
    if (root && canScroll(root, event.deltaX, event.deltaY)) return;
    event.preventDefault();
  };
  /** @type {Document | null} */
  let doc = null;
  /** @param {Document | null} d */
  const attach = (d) => {
    if (d === doc) return;
    doc?.removeEventListener("wheel", onWheel, true);
    doc = d;
    // not passive: a passive listener could not stop the scroll going on
    doc?.addEventListener("wheel", onWheel, { capture: true, passive: false });
  };
  attach(mirrorDocument());
  onMirrorChange((kind, d) => attach(d));
}
