// What a citizen (or guest) sees of the advisor's moves besides the pointer:
// hover menus, scrolling (follow or free), click pulses and the highlight,
// and form fields that show the advisor's values.

import { guardCitizenFields } from "./forms.js";
import { startOverlays } from "./highlight.js";
import { followAdvisorHover } from "./hover.js";
import { Msg } from "./protocol.js";
import { followAdvisorScroll } from "./scroll.js";

const $ = (id) => document.getElementById(id);

/**
 * @returns {{onFrame: (frame: {type: number, body: object}) => void, goFree: () => void}}
 *   onFrame: to be called for every frame; goFree: the citizen scrolled by
 *   their own action (e.g. an in-page link)
 */
export function startCitizenMoves() {
  const showHover = followAdvisorHover();
  const scroll = followAdvisorScroll($("follow-box"), $("follow-advisor"));
  const overlays = startOverlays($("mirror"));
  guardCitizenFields();
  return {
    onFrame: ({ type, body }) => {
      if (type === Msg.HOVER) showHover(body);
      else if (type === Msg.SCROLL) scroll.onScroll(body);
      else if (type === Msg.PULSE) overlays.pulse(body);
    },
    goFree: scroll.goFree,
  };
}
