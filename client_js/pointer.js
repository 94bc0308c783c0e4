// The advisor's pointer, element-relative so that it lands on the same
// element on every participant's screen whatever their layout.
//
// Advisor side: mouse moves over the mirror document (listened to from this
// page: the sandboxed mirror runs no script) become POINTER_MOVE frames,
// at most 30 per second, latest wins, the first move after a pause at once.
// Citizen side: POINTER frames place #advisor-pointer over the mirror.
// The same two halves, the other way round, when [sessions]
// show_citizen_pointer is on: the citizen's moves (POINTER_MOVE) become
// CITIZEN_POINTER frames that place one labelled orange marker per pointing
// participant in the advisor console (followCitizenPointers).
// advisorPointer() and citizenPointer() are the two views' parts of their
// frame tables (frames.js).

import { elementLines, elementRect, mirrorDocument, nodeIdOf, onMirrorChange } from "./mirror.js";
import { listenInMirror } from "./mirror_events.js";
import { t } from "./i18n.js";
import { participantLabel } from "./participants.js";
import { Msg } from "./protocol.js";
import { SKIPPED, latestWins } from "./rate.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").Send} Send */
/** @typedef {import("./protocol.js").PointerMoveBody} PointerMoveBody */
/** @typedef {import("./protocol.js").PointerBody} PointerBody */
/** @typedef {import("./protocol.js").CitizenPointerBody} CitizenPointerBody */
/** @typedef {import("./protocol.js").Participant} Participant */

const MIN_INTERVAL_MS = 1000 / 30;
const NOWHERE = Object.freeze({ node: null, x: 0, y: 0 });

/**
 * @param {number} offset
 * @param {number} size
 */
const fraction = (offset, size) => (size > 0 ? Math.round(Math.min(1, Math.max(0, offset / size)) * 1e4) / 1e4 : 0);

/**
 * The nearest mirrored element at or above `target` with a box, as a pointer body.
 *
 * `x` and `y` are fractions of the element's box. An element that wraps over
 * several lines (a long link) has one box per line, and its bounding box holds
 * space that is not the link; for it, `x` is the fraction along its lines laid
 * end to end and `y` the fraction of that line's height, so the spot lands on
 * the link's text however it wraps elsewhere. For one line both readings agree,
 * so the receiver needs no flag (see {@link spotOf}).
 * @param {Element | null} target
 * @param {number} clientX
 * @param {number} clientY
 * @returns {PointerMoveBody}
 */
export function locate(target, clientX, clientY) {
  for (let el = target; el; el = el.parentElement) {
    const node = nodeIdOf(el);
    if (node === undefined) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue; // display: contents and the like
    const lines = el.getClientRects();
    if (lines.length > 1) return { node, ...alongLines(lines, clientX, clientY) };
    return { node, x: fraction(clientX - r.left, r.width), y: fraction(clientY - r.top, r.height) };
  }
  return NOWHERE;
}

/**
 * The spot (x, y) on wrapped `lines` as fractions along the lines laid end to end.
 * @param {DOMRectList} lines
 * @param {number} x
 * @param {number} y
 */
function alongLines(lines, x, y) {
  let best = 0;
  let bestDistance = Infinity;
  for (let i = 0; i < lines.length; i++) {
    const b = lines[i];
    const dx = Math.max(b.left - x, 0, x - b.right);
    const dy = Math.max(b.top - y, 0, y - b.bottom);
    if (dx * dx + dy * dy < bestDistance) [best, bestDistance] = [i, dx * dx + dy * dy];
  }
  let before = 0;
  let total = 0;
  for (let i = 0; i < lines.length; i++) {
    if (i === best) before = total;
    total += lines[i].width;
  }
  const line = lines[best];
  const along = before + Math.min(line.width, Math.max(0, x - line.left));
  return { x: fraction(along, total), y: fraction(y - line.top, line.height) };
}

/**
 * Where a pointer body's fractions point in node `id`'s box(es), in the
 * mirror's viewport coordinates (the reverse of {@link locate}); null for an
 * unknown node.
 * @param {number} id
 * @param {number} x
 * @param {number} y
 * @returns {{left: number, top: number} | null}
 */
export function spotOf(id, x, y) {
  const lines = elementLines(id);
  if (lines && lines.length > 1) {
    let total = 0;
    for (const line of lines) total += line.width;
    let along = x * total;
    for (const line of lines) {
      if (along <= line.width) return { left: line.left + along, top: line.top + y * line.height };
      along -= line.width;
    }
    const last = lines[lines.length - 1];
    return { left: last.right, top: last.top + y * last.height };
  }
  const rect = elementRect(id);
  return rect ? { left: rect.left + x * rect.width, top: rect.top + y * rect.height } : null;
}

/**
 * Send POINTER_MOVE for mouse moves inside the mirror (the advisor's, or a
 * citizen's when the relay shows it to the advisor): at most 30 per second,
 * latest wins, and "nowhere" only once.
 * @param {Send} send
 * @returns {{resend: () => void}} resend: say where the pointer is again (someone joined)
 */
function trackPointer(send) {
  /** @type {Document | null} */
  let doc = null;
  /** @type {[number, number] | null} */
  let last = null; // [clientX, clientY] while the mouse is over the mirror
  let sentNothing = true; // the last frame sent was {node: null}
  const out = latestWins((/** @type {PointerMoveBody} */ body) => {
    if (body.node === null && sentNothing) return SKIPPED;
    send(Msg.POINTER_MOVE, body);
    sentNothing = body.node === null;
    return undefined;
  }, MIN_INTERVAL_MS);
  // Content moved under a resting mouse (scroll, new page): say where it is now.
  const relocate = () => {
    if (doc && last) out.push(locate(doc.elementFromPoint(...last), ...last));
  };

  listenInMirror({
    mousemove: (/** @type {MouseEvent} */ e) => {
      last = [e.clientX, e.clientY];
      out.push(locate(/** @type {Element} */ (e.target), e.clientX, e.clientY));
    },
    mouseout: (/** @type {MouseEvent} */ e) => {
      if (e.relatedTarget !== null) return; // moved between elements, still inside
      last = null;
      out.push(NOWHERE);
    },
    scroll: relocate,
  });
  onMirrorChange((kind, d) => {
    doc = d;
    if (kind === "snapshot") relocate();
  });
  doc = mirrorDocument();
  return { resend: relocate };
}

/**
 * Returns the handler for pointer frames (POINTER for the citizen's
 * #advisor-pointer, CITIZEN_POINTER for the advisor's #citizen-pointer), which places `marker`
 * (absolutely positioned in the iframe's positioned wrapper) with its
 * top-left corner on the pointed-at spot, and keeps it there on scroll and
 * resize. Hidden for `node: null`, unknown nodes and spots scrolled out of view.
 * @param {HTMLIFrameElement} iframe
 * @param {HTMLElement} marker
 * @returns {(body: PointerBody | null) => void}
 */
function followPointer(iframe, marker) {
  /** @type {{node: number, x: number, y: number} | null} */
  let target = null;
  let frame = 0;

  const hide = () => {
    marker.hidden = true;
  };
  const place = () => {
    frame = 0;
    const spot = target && target.node !== null ? spotOf(target.node, target.x, target.y) : null;
    if (!spot) return hide();
    const { left, top } = spot;
    if (left < 0 || top < 0 || left > iframe.clientWidth || top > iframe.clientHeight) return hide();
    const wrap = /** @type {HTMLElement} */ (marker.parentElement); // .mirror-wrap, the containing block
    const fr = iframe.getBoundingClientRect();
    const wr = wrap.getBoundingClientRect();
    // The advisor's console may show the mirror scaled down (viewport.js fitMirror).
    const scale = iframe.offsetWidth > 0 ? fr.width / iframe.offsetWidth : 1;
    const x = fr.left - wr.left - wrap.clientLeft + (iframe.clientLeft + left) * scale;
    const y = fr.top - wr.top - wrap.clientTop + (iframe.clientTop + top) * scale;
    const transform = `translate(${x.toFixed(1)}px, ${y.toFixed(1)}px)`;
    if (marker.hidden) {
      // Appear in place instead of gliding in from where it was last seen.
      marker.style.transition = "none";
      marker.style.transform = transform;
      marker.hidden = false;
      void marker.offsetWidth;
      marker.style.transition = "";
    } else {
      marker.style.transform = transform;
    }
  };
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(place);
  };

  listenInMirror({ scroll: schedule });
  onMirrorChange(schedule);
  window.addEventListener("resize", schedule);
  const resized = new ResizeObserver(schedule);
  resized.observe(iframe);
  // a refit scales the mirror (a notice above it, say): the iframe keeps its size, the wrap not
  if (marker.parentElement) resized.observe(marker.parentElement);

  return (body) => {
    target = body && body.node !== null && body.node !== undefined ? { node: body.node, x: body.x ?? 0, y: body.y ?? 0 } : null;
    place(); // at once: pointer latency is what the citizen notices
  };
}

/**
 * One marker per pointing citizen or guest in the advisor console, labelled
 * "Bürger/in", "Gast 1", "Gast 2" … (the numbers the participants list shows,
 * see participants.js participantLabel). `first` (#citizen-pointer) is the first marker; more are
 * cloned from it when several point at once, and kept for reuse when one
 * stops (each marker follows the mirror's scroll and resize for good).
 * @param {HTMLIFrameElement} iframe
 * @param {HTMLElement} first a hidden marker in the iframe's positioned wrapper
 * @returns {{point: (body: {participant: string, node: number|null, x: number, y: number}) => void,
 *   clear: () => void, participants: (list: Array<{id: string, role: string}>) => void}}
 *   point: a CITIZEN_POINTER frame; clear: hide every marker (new page);
 *   participants: the PARTICIPANTS list (labels; markers of those gone are hidden)
 */
export function followCitizenPointers(iframe, first) {
  /** @type {Array<{el: HTMLElement, label: Element, show: (body: PointerBody | null) => void, owner: string | null}>} */
  const markers = [];
  /** @type {Map<string, string> | null} */
  let labels = null; // participant id → label, from the last PARTICIPANTS list

  /** @param {HTMLElement} el */
  const add = (el) => {
    let label = el.querySelector(".citizen-pointer__label");
    if (!label) {
      label = document.createElement("span");
      label.className = "citizen-pointer__label";
      el.append(label);
    }
    const marker = { el, label, show: followPointer(iframe, el), owner: null };
    markers.push(marker);
    return marker;
  };
  const markerOf = (/** @type {string} */ id) => markers.find((m) => m.owner === id);
  const release = (/** @type {typeof markers[number]} */ marker) => {
    marker.owner = null;
    marker.show(null);
    delete marker.el.dataset.participant;
  };
  const claim = (/** @type {string} */ id) => {
    let marker = markers.find((m) => m.owner === null);
    if (!marker) {
      const el = /** @type {HTMLElement} */ (first.cloneNode(false));
      el.removeAttribute("id"); // ids stay unique; data-testid stays the same
      el.hidden = true;
      first.parentElement?.append(el);
      marker = add(el);
    }
    marker.owner = id;
    marker.el.dataset.participant = id;
    marker.label.textContent = t("pointer_points", { name: labels?.get(id) ?? t("role_guest") });
    return marker;
  };
  add(first);

  return {
    point(body) {
      const id = typeof body?.participant === "string" ? body.participant : null;
      if (id === null || (labels !== null && !labels.has(id))) return; // gone already
      const marker = markerOf(id);
      if (body.node === null || body.node === undefined) {
        if (marker) release(marker);
        return;
      }
      (marker ?? claim(id)).show(body);
    },
    clear() {
      for (const marker of markers) if (marker.owner !== null) release(marker);
    },
    participants(list) {
      const known = new Map();
      for (const p of list) {
        if (p.role === "citizen" || p.role === "guest") known.set(p.id, participantLabel(p));
      }
      labels = known;
      for (const marker of markers) {
        if (marker.owner === null) continue;
        const label = known.get(marker.owner);
        if (label === undefined) release(marker); // that participant left
        else marker.label.textContent = t("pointer_points", { name: label });
      }
    },
  };
}

/**
 * The advisor's half: send the advisor's pointer; show the citizens'
 * pointers ([sessions] show_citizen_pointer) as one marker each.
 * @param {Send} send
 * @returns {Handlers}
 */
export function advisorPointer(send) {
  const pointer = trackPointer(send);
  const iframe = /** @type {HTMLIFrameElement} */ (document.getElementById("mirror"));
  const first = document.getElementById("citizen-pointer");
  const citizens = first ? followCitizenPointers(iframe, first) : null;
  return {
    [Msg.CITIZEN_POINTER]: (body) => citizens?.point(body),
    [Msg.SNAPSHOT]: () => citizens?.clear(), // the old page's elements are gone
    [Msg.MUTATIONS]: (body) => {
      if (body.navigate) citizens?.clear();
    },
    [Msg.PARTICIPANTS]: (body) => {
      citizens?.participants(body.participants ?? []); // labels; those who left
      pointer.resend(); // someone joined or came back: tell them where it is
    },
  };
}

/**
 * The citizen's half: show the advisor's pointer (#advisor-pointer); send
 * this citizen's own pointer when the relay shows it to the advisor
 * (WELCOME show_pointer), from the first page on, as moves before
 * admission are not allowed.
 * @param {Send} send
 * @returns {Handlers}
 */
export function citizenPointer(send) {
  const show = followPointer(
    /** @type {HTMLIFrameElement} */ (document.getElementById("mirror")),
    /** @type {HTMLElement} */ (document.getElementById("advisor-pointer")),
  );
  let wanted = false;
  let tracked = false;
  return {
    [Msg.WELCOME]: (body) => {
      wanted = body.show_pointer === true;
    },
    [Msg.SNAPSHOT]: () => {
      if (wanted && !tracked) {
        tracked = true;
        trackPointer(send);
      }
      show(null); // the old page's element is gone
    },
    [Msg.POINTER]: show,
    [Msg.MUTATIONS]: (body) => {
      if (body.navigate) show(null);
    },
  };
}
