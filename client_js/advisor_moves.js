// Everything the advisor does in the mirror besides following links and
// submitting forms: pointer, hover, scroll, typing into fields, widgets,
// click pulses, marking an element, and back/forward/reload.

import { trackAdvisorInput } from "./forms.js";
import { markableElement, startOverlays } from "./highlight.js";
import { trackAdvisorHover } from "./hover.js";
import { currentPage, keepTypedValues, nodeIdOf, onMirrorChange } from "./mirror.js";
import { listenInMirror } from "./mirror_events.js";
import { followCitizenPointers, locate, trackAdvisorPointer } from "./pointer.js";
import { Msg } from "./protocol.js";
import { trackAdvisorScroll } from "./scroll.js";

const $ = (id) => document.getElementById(id);

/**
 * Start tracking the advisor's moves in the mirror.
 * @param {(type: number, body: object) => boolean} send sends a frame on the live session
 * @returns {{intercept: object, onFrame: (frame: {type: number, body: object}) => void}}
 *   intercept: handlers for interceptMirror(); onFrame: to be called for every frame
 */
export function startAdvisorMoves(send) {
  const iframe = $("mirror");
  const pointer = trackAdvisorPointer(send);
  const hover = trackAdvisorHover(send);
  const scroll = trackAdvisorScroll(send);
  trackAdvisorInput(send);
  keepTypedValues();
  const overlays = startOverlays(iframe);
  // Citizens' pointers ([sessions] show_citizen_pointer): one marker each.
  const citizenMarker = $("citizen-pointer");
  const citizens = citizenMarker ? followCitizenPointers(iframe, citizenMarker) : null;
  const page = () => currentPage()?.page;

  // Marking an element: "Element markieren", then a click in the mirror.
  const markButton = $("highlight-mode");
  const clearButton = $("highlight-clear");
  let marking = false;
  const setMarking = (on) => {
    marking = on;
    markButton?.setAttribute("aria-pressed", String(on));
    const hint = $("highlight-hint");
    if (hint) hint.hidden = !on;
    iframe.parentElement.classList.toggle("mirror-wrap--marking", on);
  };
  markButton?.addEventListener("click", () => setMarking(!marking));
  clearButton?.addEventListener("click", () => {
    if (page() !== undefined) send(Msg.HIGHLIGHT_SET, { page: page(), node: null });
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && marking) setMarking(false);
  });
  const beforeClick = (e) => {
    if (!marking) return false;
    const el = markableElement(e.target);
    const node = el ? nodeIdOf(el) : undefined;
    if (node !== undefined && page() !== undefined) send(Msg.HIGHLIGHT_SET, { page: page(), node });
    setMarking(false);
    return true;
  };

  // A pulse where the advisor clicks, for everyone (here at once).
  listenInMirror({
    click: (e) => {
      if (marking || page() === undefined || e.button !== 0) return;
      const spot = locate(e.target, e.clientX, e.clientY);
      if (spot.node === null) return;
      const body = { page: page(), ...spot };
      overlays.pulse(body);
      send(Msg.PULSE_AT, body);
    },
  });

  // Back, forward, reload.
  const history = [
    ["history-back", -1, "back"],
    ["history-forward", 1, "forward"],
    ["history-reload", 0, null],
  ];
  for (const [id, step] of history) $(id)?.addEventListener("click", () => send(Msg.HISTORY_GO, { step }));
  onMirrorChange((kind) => {
    const info = currentPage();
    for (const [id, , flag] of history) {
      const button = $(id);
      if (button) button.disabled = !info || (flag !== null && !info.history?.[flag]);
    }
    if (clearButton) clearButton.disabled = !overlays.highlighted();
    if (kind === "snapshot") setMarking(false);
  });

  return {
    intercept: {
      beforeClick,
      onFragment: () => scroll.jump(),
      onToggle: (widget) => {
        const node = nodeIdOf(widget);
        if (node !== undefined && page() !== undefined) send(Msg.TOGGLE, { page: page(), node });
      },
    },
    onFrame: ({ type, body }) => {
      if (type === Msg.CITIZEN_POINTER) {
        citizens?.point(body);
      } else if (type === Msg.SNAPSHOT || (type === Msg.MUTATIONS && body.navigate)) {
        citizens?.clear(); // the old page's elements are gone
      } else if (type === Msg.PARTICIPANTS) {
        citizens?.participants(body.participants ?? []); // labels; those who left
      }
      // Someone joined or came back: tell them where things are now.
      if (type === Msg.PARTICIPANTS) {
        pointer.resend();
        hover.resend();
        scroll.resend();
      }
    },
  };
}
