// Hover menus for everyone: the relay rewrites `:hover`, `:focus`,
// `:focus-visible` and `:focus-within` in the page's CSS into the classes
// below (cobrowse/pipeline/hover.py). Every mirror — the advisor's too — sets
// them from where the *advisor* points and what the advisor focused, so a
// submenu opens on every screen when the advisor moves over its menu item.
//
// Advisor side: mouse and focus changes in the mirror become HOVER_AT frames
// (only when something changed, latest wins). Citizen side: HOVER frames.

import { currentPage, elementOf, mirrorDocument, nodeById, nodeIdOf, onMirrorChange } from "./mirror.js";
import { listenInMirror } from "./mirror_events.js";
import { Msg } from "./protocol.js";
import { latestWins } from "./rate.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").Send} Send */
/** @typedef {import("./protocol.js").HoverBody} HoverBody */
/** @typedef {{hover: Element | null, focus: Element | null, ring: boolean}} HoverState */

export const HOVER_CLASS = "cb-hover";
export const FOCUS_CLASS = "cb-focus";
export const RING_CLASS = "cb-focus-visible";
export const WITHIN_CLASS = "cb-focus-within";
const INTERVAL_MS = 50;

/**
 * The element and its ancestors.
 * @param {Element | null} el
 */
function chain(el) {
  /** @type {Element[]} */
  const out = [];
  for (let e = el; e; e = e.parentElement) out.push(e);
  return out;
}

/** Which elements carry which state class; applies changes with few DOM writes. */
class StateClasses {
  constructor() {
    /** @type {Map<string, Set<Element>>} */
    this.marked = new Map(); // class → Set of elements
    /** @type {HoverState} */
    this.state = { hover: null, focus: null, ring: false };
  }

  /**
   * Show `state` in the mirror.
   * @param {HoverState} state
   */
  show(state) {
    this.state = state;
    const wanted = new Map([
      [HOVER_CLASS, chain(state.hover)],
      [WITHIN_CLASS, chain(state.focus)],
      [FOCUS_CLASS, state.focus ? [state.focus] : []],
      [RING_CLASS, state.focus && state.ring ? [state.focus] : []],
    ]);
    for (const [cls, els] of wanted) {
      const next = new Set(els.filter((el) => el.isConnected));
      const before = this.marked.get(cls) ?? new Set();
      for (const el of before) if (!next.has(el)) removeClass(el, cls);
      for (const el of next) if (!el.classList.contains(cls)) el.classList.add(cls);
      this.marked.set(cls, next);
    }
  }

  /** Mutations may have rewritten `class` attributes: set the classes again. */
  reapply() {
    for (const [cls, els] of this.marked) for (const el of els) if (el.isConnected) el.classList.add(cls);
  }

  /** A new page: forget everything (diffed pages keep their nodes). */
  clear() {
    for (const [cls, els] of this.marked) for (const el of els) removeClass(el, cls);
    this.marked.clear();
    this.state = { hover: null, focus: null, ring: false };
  }
}

/**
 * @param {Element} el
 * @param {string} cls
 */
function removeClass(el, cls) {
  el.classList.remove(cls);
  if (el.getAttribute("class") === "") el.removeAttribute("class"); // leave no trace
}

/**
 * Nearest mirrored element at or above `node`.
 * @param {Node | null | undefined} node
 * @returns {Element | null}
 */
function mirrored(node) {
  for (let el = elementOf(node); el; el = el.parentElement) {
    if (nodeIdOf(el) !== undefined) return el;
  }
  return null;
}

/**
 * Advisor: track hover and focus in the mirror, show them and send HOVER_AT.
 * @param {Send} send
 * @returns {Handlers} PARTICIPANTS: say it again (someone joined)
 */
export function advisorHover(send) {
  const classes = new StateClasses();
  /** @type {[number, number] | null} */
  let last = null; // [clientX, clientY] while the mouse is over the mirror
  let sentKey = "";
  const out = latestWins((/** @type {HoverBody} */ body) => {
    send(Msg.HOVER_AT, body);
  }, INTERVAL_MS);

  const publish = (force = false) => {
    const { hover, focus, ring } = classes.state;
    const page = currentPage()?.page;
    if (page === undefined) return;
    /** @type {HoverBody} */
    const body = { page, node: hover ? nodeIdOf(hover) ?? null : null, focus: focus ? nodeIdOf(focus) ?? null : null, ring };
    const key = `${page}/${body.node}/${body.focus}/${ring}`;
    if (key === sentKey && !force) return;
    sentKey = key;
    out.push(body);
  };
  /** @param {Partial<HoverState>} changes */
  const update = (changes) => {
    classes.show({ ...classes.state, ...changes });
    publish();
  };
  /** @param {Element | null | undefined} el */
  const focusState = (el) => {
    const focus = mirrored(el);
    let ring = false;
    try {
      ring = Boolean(focus?.matches(":focus-visible"));
    } catch {
      ring = false;
    }
    return { focus, ring };
  };

  listenInMirror({
    mouseover: (/** @type {MouseEvent} */ e) => {
      last = [e.clientX, e.clientY];
      update({ hover: mirrored(/** @type {Node} */ (e.target)) });
    },
    mousemove: (/** @type {MouseEvent} */ e) => {
      last = [e.clientX, e.clientY];
    },
    mouseout: (/** @type {MouseEvent} */ e) => {
      if (e.relatedTarget !== null) return; // moved between elements, still inside
      last = null;
      update({ hover: null });
    },
    focusin: (/** @type {FocusEvent} */ e) => update(focusState(/** @type {Element} */ (e.target))),
    focusout: (/** @type {FocusEvent} */ e) =>
      update(e.relatedTarget ? focusState(/** @type {Element} */ (e.relatedTarget)) : { focus: null, ring: false }),
  });
  onMirrorChange((kind, doc) => {
    if (kind === "mutations") {
      classes.reapply();
    } else if (kind === "snapshot") {
      classes.clear();
      sentKey = "";
      // The new page moved under a resting mouse: hover what is there now.
      const hover = doc && last ? mirrored(doc.elementFromPoint(...last)) : null;
      update({ hover, ...focusState(doc?.activeElement === doc?.body ? null : doc?.activeElement) });
    }
  });
  return { [Msg.PARTICIPANTS]: () => publish(true) };
}

/**
 * Citizen: show where the advisor hovers and what they focused.
 * @returns {Handlers} HOVER
 */
export function citizenHover() {
  const classes = new StateClasses();
  /** @type {HoverBody | null} */
  let target = null; // the last HOVER body for the current page
  const show = () => {
    /** @param {number | null | undefined} id */
    const element = (id) => {
      const node = id === null || id === undefined ? null : nodeById(id);
      return node?.nodeType === Node.ELEMENT_NODE ? /** @type {Element} */ (node) : null;
    };
    if (!target || !mirrorDocument()) return;
    classes.show({ hover: element(target.node), focus: element(target.focus), ring: Boolean(target.ring) });
  };
  onMirrorChange((kind) => {
    if (kind === "mutations") classes.reapply();
    else if (kind === "snapshot") {
      classes.clear();
      if (target && target.page !== currentPage()?.page) target = null;
      show();
    }
  });
  return {
    [Msg.HOVER]: (body) => {
      if (body.page !== currentPage()?.page) return; // for a page not (yet) shown here
      target = body;
      show();
    },
  };
}
