// Citizen view at /sitzung: watch the shared page and the advisor's
// pointer, leave at any time. Only the advisor navigates; the citizen's
// clicks on links and form buttons do nothing but explain that.
// The frame table in main() is what each relay message does here.

import { showEnded } from "./ended_view.js";
import { guardCitizenFields } from "./forms.js";
import { frameTable } from "./frames.js";
import { citizenOverlays } from "./highlight.js";
import { citizenHover } from "./hover.js";
import { idleFrames } from "./idle.js";
import { mirrorFrames } from "./mirror.js";
import { interceptMirror } from "./mirror_events.js";
import { noticeFrames, showNotice } from "./notices.js";
import { pageHeaderFrames } from "./page_header.js";
import { participantsFrames } from "./participants.js";
import { citizenPointer } from "./pointer.js";
import { Msg } from "./protocol.js";
import { citizenScroll } from "./scroll.js";
import { createSessionView } from "./session_view.js";
import { waitingFrames } from "./waiting.js";
import { t } from "./i18n.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").VisitedPage} VisitedPage */

const HIDE_WHEN_ENDED = ["#view", "#leave"];
// After LEAVE, how long the relay may still answer with its list of visited pages.
const LEAVE_GRACE_MS = 2000;

if (document.body.dataset.role === "citizen") main();

/**
 * Pages seen here, shown on leaving unless the relay sends its own list.
 * @param {Map<string, VisitedPage>} seen
 * @returns {Handlers}
 */
function seenPages(seen) {
  /** @param {{url: string, title: string}} page */
  const remember = (page) => {
    if (page.url) seen.set(page.url, { url: page.url, title: page.title ?? "" });
  };
  return {
    [Msg.SNAPSHOT]: remember,
    [Msg.MUTATIONS]: (body) => {
      if (body.navigate) remember(body.navigate);
    },
  };
}

function main() {
  const view = createSessionView({ path: "/ws", hideWhenEnded: HIDE_WHEN_ENDED }); // the cookie says who
  const pointer = citizenPointer(view.send);
  const hover = citizenHover();
  const scroll = citizenScroll();
  const overlays = citizenOverlays();
  guardCitizenFields();
  /** @type {Map<string, VisitedPage>} */
  const seen = new Map();
  // The view's frame table; per message, handlers run in this order.
  view.start(
    frameTable([
      waitingFrames(), // WAITING; any other frame but WELCOME: hide the waiting screen
      mirrorFrames(), // SNAPSHOT, MUTATIONS: the shared page
      view.frames, // WELCOME: version check; SNAPSHOT: pixel grid; ENDED
      pageHeaderFrames(), // SNAPSHOT, MUTATIONS.navigate, LOADING: title, address, loading
      participantsFrames(), // WELCOME, PARTICIPANTS: the list
      idleFrames(view.send), // IDLE_WARNING, NOTICE "extended"
      noticeFrames(), // NOTICE
      pointer, // WELCOME, SNAPSHOT: send own pointer if shown; POINTER; new page hides it
      seenPages(seen), // SNAPSHOT, MUTATIONS.navigate: remember the page
      hover, // HOVER
      scroll.frames, // SCROLL
      overlays, // PULSE
    ]),
  );
  interceptMirror({
    onLink: () => showNotice(t("links_advisor_only"), { key: "links" }),
    onFragment: () => scroll.goFree(), // scrolling on one's own: stop following
  });
  document.getElementById("leave")?.addEventListener("click", () => {
    view.send(Msg.LEAVE, {});
    view.conn.end(LEAVE_GRACE_MS);
    showEnded([...seen.values()], HIDE_WHEN_ENDED);
  });
}
