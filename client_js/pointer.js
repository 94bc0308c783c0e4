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

import { elementLines, elementRect, mirrorDocument, nodeIdOf, onMirrorChange } from "./mirror.js";
import { listenInMirror } from "./mirror_events.js";
import { t } from "./i18n.js";
import { Msg } from "./protocol.js";
import { participantLabel } from "./ui.js";

const MIN_INTERVAL_MS = 1000 / 30;
const NOWHERE = Object.freeze({ node: null, x: 0, y: 0 });

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

/** The spot (x, y) on wrapped `lines` as fractions along the lines laid end to end. */
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
 * citizen's when the relay shows it to the advisor).
 * @param {(type: number, body: object) => void} send
 * @returns {{resend: () => void}} resend: say where the pointer is again (someone joined)
 */
export function trackPointer(send) {
  let doc = null;
  let last = null; // [clientX, clientY] while the mouse is over the mirror
  let pending = null;
  let timer = 0;
  let sentAt = -Infinity;
  let sentNothing = true; // the last frame sent was {node: null}

  const flush = () => {
    timer = 0;
    const body = pending;
    pending = null;
    if (!body || (body.node === null && sentNothing)) return;
    send(Msg.POINTER_MOVE, body);
    sentNothing = body.node === null;
    sentAt = performance.now();
  };
  const queue = (body) => {
    pending = body;
    if (timer) return;
    const wait = sentAt + MIN_INTERVAL_MS - performance.now();
    if (wait <= 0) flush();
    else timer = setTimeout(flush, wait);
  };
  // Content moved under a resting mouse (scroll, new page): say where it is now.
  const relocate = () => {
    if (doc && last) queue(locate(doc.elementFromPoint(...last), ...last));
  };

  const onMove = (e) => {
    last = [e.clientX, e.clientY];
    queue(locate(e.target, e.clientX, e.clientY));
  };
  const onOut = (e) => {
    if (e.relatedTarget !== null) return; // moved between elements, still inside
    last = null;
    queue(NOWHERE);
  };
  listenInMirror({ mousemove: onMove, mouseout: onOut, scroll: relocate });
  onMirrorChange((kind, d) => {
    doc = d;
    if (kind === "snapshot") relocate();
  });
  doc = mirrorDocument();
  return {
    resend: () => {
      if (doc && last) queue(locate(doc.elementFromPoint(...last), ...last));
    },
  };
}

/**
 * Returns the handler for pointer frames (POINTER for the citizen's
 * #advisor-pointer, CITIZEN_POINTER for the advisor's #citizen-pointer), which places `marker`
 * (absolutely positioned in the iframe's positioned wrapper) with its
 * top-left corner on the pointed-at spot, and keeps it there on scroll and
 * resize. Hidden for `node: null`, unknown nodes and spots scrolled out of view.
 * @param {HTMLIFrameElement} iframe
 * @param {HTMLElement} marker
 * @returns {(body: {node: number|null, x: number, y: number}) => void}
 */
export function followPointer(iframe, marker) {
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
    const wrap = marker.parentElement; // .mirror-wrap, the containing block
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
  new ResizeObserver(schedule).observe(iframe);

  return (body) => {
    target = body && body.node !== null && body.node !== undefined ? body : null;
    place(); // at once: pointer latency is what the citizen notices
  };
}

/**
 * One marker per pointing citizen or guest in the advisor console, labelled
 * "Bürger/in", "Gast 1", "Gast 2" … (the numbers the participants list shows,
 * see ui.js participantLabel). `first` (#citizen-pointer) is the first marker; more are
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
  const markers = []; // {el, label, show, owner: participant id | null}
  let labels = null; // participant id → label, from the last PARTICIPANTS list

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
  const markerOf = (id) => markers.find((m) => m.owner === id);
  const release = (marker) => {
    marker.owner = null;
    marker.show(null);
    delete marker.el.dataset.participant;
  };
  const claim = (id) => {
    let marker = markers.find((m) => m.owner === null);
    if (!marker) {
      const el = first.cloneNode(false);
      el.removeAttribute("id"); // ids stay unique; data-testid stays the same
      el.hidden = true;
      first.parentElement.append(el);
      marker = add(el);
    }
    marker.owner = id;
    marker.el.dataset.participant = id;
    marker.label.textContent = labels?.get(id) ?? t("role_guest");
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
      labels = new Map();
      for (const p of list) {
        if (p.role === "citizen" || p.role === "guest") labels.set(p.id, participantLabel(p));
      }
      for (const marker of markers) {
        if (marker.owner === null) continue;
        const label = labels.get(marker.owner);
        if (label === undefined) release(marker); // that participant left
        else marker.label.textContent = label;
      }
    },
  };
}

export { trackPointer as trackAdvisorPointer, followPointer as followAdvisorPointer };
