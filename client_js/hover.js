// Hover menus for everyone: the relay rewrites `:hover`, `:focus`,
// `:focus-visible` and `:focus-within` in the page's CSS into the classes
// below (cobrowse/pipeline/hover.py). Every mirror — the advisor's too — sets
// them from where the *advisor* points and what the advisor focused, so a
// submenu opens on every screen when the advisor moves over its menu item.
//
// Advisor side: mouse and focus changes in the mirror become HOVER_AT frames
// (only when something changed, latest wins). Citizen side: HOVER frames.

import { currentPage, mirrorDocument, nodeById, nodeIdOf, onMirrorChange } from "./mirror.js";
import { listenInMirror } from "./mirror_events.js";
import { Msg } from "./protocol.js";
import { latestWins } from "./rate.js";

export const HOVER_CLASS = "cb-hover";
export const FOCUS_CLASS = "cb-focus";
export const RING_CLASS = "cb-focus-visible";
export const WITHIN_CLASS = "cb-focus-within";
const INTERVAL_MS = 50;

/** The element and its ancestors. */
function chain(el) {
  const out = [];
  for (let e = el; e; e = e.parentElement) out.push(e);
  return out;
}

/** Which elements carry which state class; applies changes with few DOM writes. */
class StateClasses {
  constructor() {
    this.marked = new Map(); // class → Set of elements
    this.state = { hover: null, focus: null, ring: false };
  }

  /** Show `state` ({hover, focus: Element|null, ring}) in the mirror. */
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

function removeClass(el, cls) {
  el.classList.remove(cls);
  if (el.getAttribute("class") === "") el.removeAttribute("class"); // leave no trace
}

/** Nearest mirrored element at or above `node`. */
function mirrored(node) {
  for (let el = node?.nodeType === Node.ELEMENT_NODE ? node : node?.parentElement; el; el = el.parentElement) {
    if (nodeIdOf(el) !== undefined) return el;
  }
  return null;
}

/**
 * Advisor: track hover and focus in the mirror, show them and send HOVER_AT.
 * @param {(type: number, body: object) => void} send
 * @returns {{resend: () => void}} resend: say it again (someone joined)
 */
export function trackAdvisorHover(send) {
  const classes = new StateClasses();
  let last = null; // [clientX, clientY] while the mouse is over the mirror
  let sentKey = "";
  const out = latestWins((body) => send(Msg.HOVER_AT, body), INTERVAL_MS);

  const publish = (force = false) => {
    const { hover, focus, ring } = classes.state;
    const page = currentPage()?.page;
    if (page === undefined) return;
    const body = { page, node: hover ? nodeIdOf(hover) : null, focus: focus ? nodeIdOf(focus) : null, ring };
    const key = `${page}/${body.node}/${body.focus}/${ring}`;
    if (key === sentKey && !force) return;
    sentKey = key;
    out.push(body);
  };
  const update = (changes) => {
    classes.show({ ...classes.state, ...changes });
    publish();
  };
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
    mouseover: (e) => {
      last = [e.clientX, e.clientY];
      update({ hover: mirrored(e.target) });
    },
    mousemove: (e) => {
      last = [e.clientX, e.clientY];
    },
    mouseout: (e) => {
      if (e.relatedTarget !== null) return; // moved between elements, still inside
      last = null;
      update({ hover: null });
    },
    focusin: (e) => update(focusState(e.target)),
    focusout: (e) => update(e.relatedTarget ? focusState(e.relatedTarget) : { focus: null, ring: false }),
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
  return { resend: () => publish(true) };
}

/**
 * Citizen: returns the handler for HOVER frames.
 * @returns {(body: {page, node: number|null, focus: number|null, ring: boolean}) => void}
 */
export function followAdvisorHover() {
  const classes = new StateClasses();
  let target = null; // the last HOVER body for the current page
  const show = () => {
    const element = (id) => {
      const node = id === null || id === undefined ? null : nodeById(id);
      return node?.nodeType === Node.ELEMENT_NODE ? node : null;
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
  return (body) => {
    if (body.page !== currentPage()?.page) return; // for a page not (yet) shown here
    target = body;
    show();
  };
}
