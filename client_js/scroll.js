// Scrolling together, anchored to an element rather than pixels: the same
// paragraph is at the top for everyone, whatever their screen size. Whoever
// leads (the advisor, or the citizen or guest the lead was handed to, see
// lead.js) sends; everyone else follows.
//
// The anchor is the smallest mirrored element at the top edge of the
// viewport (under any fixed or sticky header), the offset how many of its
// heights its top lies above that edge. Advisor side: scrolling sends
// SCROLL_TO (latest wins). Citizen side: SCROLL frames are followed while in
// "follow" mode; scrolling by oneself switches to "free" and shows the
// "Dem Berater folgen" button, which switches back. An in-page link the
// advisor opens ("jump") brings everyone along.

import { currentPage, elementRect, mirrorDocument, nodeById, nodeIdOf, onMirrorChange } from "./mirror.js";
import { listenInMirror, scrollToFragment } from "./mirror_events.js";
import { Msg } from "./protocol.js";
import { latestWins, perFrame } from "./rate.js";
import { leading, ledByOther, onLeadChange } from "./lead.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").Send} Send */
/** @typedef {import("./protocol.js").ScrollBody} ScrollBody */

const INTERVAL_MS = 50;
const PROBES = [0.5, 0.3, 0.7, 0.15, 0.85]; // across the viewport's width
const SCROLL_KEYS = new Set([
  "ArrowUp", "ArrowDown", "PageUp", "PageDown", "Home", "End", " ", "Spacebar",
]);

/**
 * Fixed or sticky element at or above `el` (a header that stays put), or null.
 * @param {Element} el
 */
function pinnedAncestor(el) {
  const view = /** @type {Window} */ (el.ownerDocument.defaultView);
  for (let e = /** @type {Element | null} */ (el); e && e !== el.ownerDocument.body; e = e.parentElement) {
    const position = view.getComputedStyle(e).position;
    if (position === "fixed" || position === "sticky") return e;
  }
  return null;
}

/**
 * The mirrored element at or above `el` with a box, or null.
 * @param {Element} el
 * @returns {[Element, DOMRect] | null}
 */
function boxed(el) {
  for (let e = /** @type {Element | null} */ (el); e; e = e.parentElement) {
    if (nodeIdOf(e) === undefined) continue;
    const rect = e.getBoundingClientRect();
    if (rect.height > 0) return [e, rect];
  }
  return null;
}

/**
 * Where `doc` is scrolled to, as {node, offset}; null before a page is shown.
 * @param {Document} doc
 */
export function scrollAnchor(doc) {
  const root = doc.documentElement;
  const rootId = nodeIdOf(root);
  if (rootId === undefined) return null;
  if ((doc.defaultView?.scrollY ?? 0) <= 0) return { node: rootId, offset: 0 };
  const width = root.clientWidth;
  /** @type {[Element, DOMRect] | null} */
  let best = null;
  for (const fraction of PROBES) {
    let y = 1;
    let hit = doc.elementFromPoint(width * fraction, y);
    for (let tries = 0; hit && tries < 3; tries++) {
      const pinned = pinnedAncestor(hit);
      if (!pinned) break;
      y = Math.max(y, pinned.getBoundingClientRect().bottom + 1);
      hit = doc.elementFromPoint(width * fraction, y);
    }
    const found = hit && boxed(hit);
    if (found && (!best || found[1].height < best[1].height)) best = found;
  }
  const [el, rect] = best ?? [root, root.getBoundingClientRect()];
  const node = nodeIdOf(el) ?? rootId;
  const offset = rect.height > 0 ? -rect.top / rect.height : 0;
  return { node, offset: Math.round(offset * 1e5) / 1e5 };
}

/**
 * Scroll `doc` so that the anchor lies where it lies for the advisor.
 * Returns false if the anchor is not on this page.
 * @param {Document} doc
 * @param {{node: number, offset: number}} anchor
 */
function scrollToAnchor(doc, { node, offset }) {
  const view = doc.defaultView;
  const found = nodeById(node);
  if (!found || !view) return false;
  /** @type {Element | null} */
  let el = found.nodeType === Node.ELEMENT_NODE ? /** @type {Element} */ (found) : found.parentElement;
  let rect = elementRect(node);
  let shift = offset;
  // Hidden on this layout (e.g. a desktop-only column): use the nearest visible ancestor.
  while (el && (!rect || rect.height === 0)) {
    el = el.parentElement;
    rect = el?.getBoundingClientRect() ?? null;
    shift = 0;
  }
  if (!rect) return false;
  view.scrollTo({ top: view.scrollY + rect.top + shift * rect.height, left: view.scrollX, behavior: "instant" });
  return true;
}

const SETTLE_MS = 5000;

/**
 * Send SCROLL_TO when the mirror scrolls, while `active()` says this view
 * leads the scrolling (the advisor unless a citizen leads; a citizen or guest
 * while they lead, see lead.js).
 * @param {Send} send
 * @param {() => boolean} active
 * @returns {{publish: () => void, jump: () => void}} publish: say where the
 *   mirror is (now, if active); jump: the next scroll comes from an in-page link
 */
function scrollSender(send, active) {
  let jumping = false;
  const out = latestWins((/** @type {ScrollBody} */ body) => {
    send(Msg.SCROLL_TO, body);
  }, INTERVAL_MS);
  const publish = () => {
    const doc = mirrorDocument();
    const page = currentPage()?.page;
    const anchor = doc && page !== undefined && active() ? scrollAnchor(doc) : null;
    if (!anchor || page === undefined) return;
    out.push({ page, ...anchor, jump: jumping });
    if (jumping) {
      jumping = false;
      out.flush();
    }
  };
  const onScroll = perFrame(publish);
  // A page opened at #part: stylesheets and images that arrive after the
  // first jump move the part, so it is scrolled to again until the one
  // leading scrolls by hand (or a few seconds have passed).
  let settling = "";
  let settleUntil = 0;
  const stopSettling = () => {
    settling = "";
  };
  listenInMirror({
    scroll: (/** @type {Event} */ e) => {
      if (e.target === mirrorDocument()) onScroll();
    },
    load: () => {
      if (settling && performance.now() < settleUntil && active()) scrollToFragment(settling);
    },
    wheel: stopSettling,
    keydown: stopSettling,
    pointerdown: stopSettling,
    touchstart: stopSettling,
  });
  onMirrorChange((kind) => {
    if (kind !== "snapshot" || !active()) return;
    const hash = currentPage()?.url?.split("#")[1];
    settling = hash ?? "";
    settleUntil = performance.now() + SETTLE_MS;
    if (hash) {
      jumping = true; // an address with #part: everyone starts there
      scrollToFragment(hash);
    }
    onScroll();
  });
  return {
    publish,
    jump: () => {
      jumping = true;
    },
  };
}

/**
 * Advisor: send SCROLL_TO when the mirror scrolls; while a citizen or guest
 * leads (lead.js), follow their SCROLL frames instead and send nothing (the
 * advisor's own scrolling then stays in the advisor's mirror until the
 * leader scrolls again). Taking the lead back says where the mirror is.
 * @param {Send} send
 * @returns {{frames: Handlers, jump: () => void}} frames: PARTICIPANTS, say
 *   it again (someone joined); SCROLL: follow the leader; jump: the next
 *   scroll comes from an in-page link
 */
export function advisorScroll(send) {
  const sender = scrollSender(send, () => !ledByOther());
  /** @type {ScrollBody | null} */
  let target = null; // the leader's last SCROLL for the current page
  const follow = () => {
    const doc = mirrorDocument();
    if (ledByOther() && doc && target && target.page === currentPage()?.page) scrollToAnchor(doc, target);
  };
  const refollow = perFrame(follow);
  listenInMirror({ load: refollow }); // images and fonts arriving move the leader's anchor
  onMirrorChange((kind) => {
    if (kind === "snapshot") target = null;
    else refollow();
  });
  onLeadChange(() => {
    if (!ledByOther()) sender.publish(); // the advisor leads again, from where the leader was
  });
  return {
    frames: {
      [Msg.PARTICIPANTS]: sender.publish,
      [Msg.SCROLL]: (body) => {
        if (body.page !== currentPage()?.page || !ledByOther()) return;
        target = body;
        follow();
      },
    },
    jump: sender.jump,
  };
}

/**
 * Citizen: follow the advisor's scrolling unless scrolling by oneself;
 * #follow-box (shown in "free" mode) holds the "Dem Berater folgen" button
 * #follow-advisor. While this citizen or guest leads (lead.js), their own
 * scrolling is sent as the advisor's is (SCROLL_TO) and nobody is followed.
 * @param {Send} send
 * @returns {{frames: Handlers, goFree: () => void, jump: () => void}} frames:
 *   SCROLL, PARTICIPANTS; goFree: the citizen scrolled by their own action
 *   (e.g. an in-page link); jump: the leader's next scroll comes from an in-page link
 */
export function citizenScroll(send) {
  const sender = scrollSender(send, leading);
  const followBox = /** @type {HTMLElement} */ (document.getElementById("follow-box"));
  const followButton = /** @type {HTMLElement} */ (document.getElementById("follow-advisor"));
  /** @type {"follow" | "free"} */
  let mode = "follow";
  /** @type {ScrollBody | null} */
  let target = null; // the last SCROLL body for the current page
  const apply = () => {
    const doc = mirrorDocument();
    if (mode === "follow" && !leading() && doc && target && target.page === currentPage()?.page) scrollToAnchor(doc, target);
  };
  const reapply = perFrame(apply);
  /** @param {"follow" | "free"} next */
  const setMode = (next) => {
    if (mode === next) return;
    mode = next;
    followBox.hidden = mode === "follow";
    document.body.dataset.scrollMode = mode;
    if (mode === "follow") apply();
  };
  const goFree = () => {
    if (!leading()) setMode("free"); // the leader's scrolling is everyone's
  };
  onLeadChange(() => {
    setMode("follow");
    if (leading()) sender.publish(); // everyone comes to where the new leader is
    else apply();
  });
  followButton.addEventListener("click", () => setMode("follow"));

  listenInMirror({
    wheel: goFree,
    touchmove: goFree,
    keydown: (/** @type {KeyboardEvent} */ e) => {
      const field = /** @type {Element} */ (e.target).closest?.("input, textarea, select, [contenteditable]");
      if (!field && SCROLL_KEYS.has(e.key)) goFree();
    },
    mousedown: (/** @type {MouseEvent} */ e) => {
      const root = /** @type {Element} */ (e.target).ownerDocument?.documentElement;
      if (root && (e.clientX >= root.clientWidth || e.clientY >= root.clientHeight)) goFree(); // scrollbar
    },
    // Images and fonts arriving change the layout: keep the anchor in place.
    load: reapply,
  });
  onMirrorChange((kind) => {
    if (kind === "snapshot") {
      target = null; // the advisor's next page starts at the top
      setMode("follow");
    } else {
      reapply();
    }
  });
  window.addEventListener("resize", reapply);
  document.body.dataset.scrollMode = mode;
  return {
    frames: {
      [Msg.SCROLL]: (body) => {
        if (body.page !== currentPage()?.page) return;
        target = body;
        if (body.jump) setMode("follow");
        apply();
      },
      [Msg.PARTICIPANTS]: sender.publish, // someone joined: the leader says it again
    },
    goFree,
    jump: sender.jump,
  };
}
