// Citizen view at /sitzung: the landing page's „Los geht's“ both joined and
// agreed to the consent notice shown above it, so the session starts at once.
// Watch the shared page and the advisor's pointer, leave at any time. The advisor
// navigates; the citizen's clicks on links and form buttons do nothing but
// explain that — unless the advisor handed them the lead (lead.js): then
// their link clicks, form submits, widgets, typing and scrolling drive the
// session for everyone, the advisor's way. Every end (ended, left, denied,
// removed) shows the end screen.
// The frame table in main() is what each relay message does here.

import { showEnded } from "./ended_view.js";
import { guardCitizenFields, trackInput } from "./forms.js";
import { frameTable } from "./frames.js";
import { citizenOverlays } from "./highlight.js";
import { citizenHover } from "./hover.js";
import { idleFrames } from "./idle.js";
import { leadFrames, leading } from "./lead.js";
import { mirrorFrames } from "./mirror.js";
import { containWheel, interceptMirror } from "./mirror_events.js";
import { noticeFrames, showNotice } from "./notices.js";
import { pageActions } from "./page_actions.js";
import { pageHeaderFrames } from "./page_header.js";
import { participantsFrames, wirePeopleToggle } from "./participants.js";
import { citizenPointer } from "./pointer.js";
import { Msg } from "./protocol.js";
import { citizenScroll } from "./scroll.js";
import { createSessionView } from "./session_view.js";
import { waitingFrames } from "./waiting.js";
import { t } from "./i18n.js";

// Everything of the live session and of the time before it; the end screen replaces them.
// The bar keeps only its status line: who was here and which page was shown
// belong to the live session, not to the end screen.
const HIDE_WHEN_ENDED = [
  "#view",
  "#leave",
  "#people-toggle",
  "#participants",
  "#session-bar .page-info",
  "#lead-status",
  "#waiting",
  "#idle-warning",
  "#follow-box",
];
// After LEAVE, how long the relay may still answer with its list of visited pages.
const LEAVE_GRACE_MS = 2000;
// ENDED's reasons as the citizen reads them.
/** @type {Record<string, string>} */
const END_REASONS = { advisor: "ended_by_advisor", timeout: "ended_by_timeout", left: "removed_left" };

if (document.body.dataset.role === "citizen") main();

/** @param {string} reason ENDED's reason */
function endReason(reason) {
  return Object.hasOwn(END_REASONS, reason) ? t(END_REASONS[reason]) : "";
}

function main() {
  const view = createSessionView({
    path: "/ws", // the cookie says who
    hideWhenEnded: HIDE_WHEN_ENDED,
    endReason,
    endScreenOnClose: true,
  });
  const pointer = citizenPointer(view.send);
  const hover = citizenHover();
  const scroll = citizenScroll(view.send);
  const overlays = citizenOverlays();
  guardCitizenFields(leading); // typing only while leading
  const inputs = trackInput(view.send, leading);
  const actions = pageActions(view.send);
  containWheel();
  wirePeopleToggle();
  // The view's frame table; per message, handlers run in this order.
  const table = frameTable([
    waitingFrames(), // WAITING; any other frame but WELCOME: hide the waiting screen
    mirrorFrames(), // SNAPSHOT, MUTATIONS: the shared page
    view.frames, // WELCOME: version check; SNAPSHOT: pixel grid; ENDED: end screen, visited pages
    pageHeaderFrames(), // SNAPSHOT, MUTATIONS.navigate, LOADING: title, address, loading
    participantsFrames(), // WELCOME, PARTICIPANTS: who is here, who came and went, the advisor's presence; ENDED
    leadFrames({ send: view.send }), // WELCOME; PARTICIPANTS: who leads („Sie führen jetzt …“); ENDED
    idleFrames(view.send), // IDLE_WARNING, NOTICE "extended"
    noticeFrames(), // NOTICE
    pointer, // WELCOME, SNAPSHOT: send own pointer if shown; POINTER; new page hides it
    hover, // HOVER
    scroll.frames, // SCROLL: follow unless leading; PARTICIPANTS: the leader says again where they are
    overlays, // PULSE
  ]);
  view.start(table);
  interceptMirror({
    onLink: (link) => {
      if (leading()) actions.clickLink(link);
      else showNotice(t("links_advisor_only"), { key: "links" });
    },
    onSubmit: (form, submitter) => {
      if (!leading()) return; // the advisor's to send
      inputs.flush();
      actions.submitForm(form, submitter);
    },
    onToggle: (widget) => {
      if (!leading()) return;
      inputs.flush();
      actions.toggleWidget(widget);
    },
    controls: leading, // checkboxes and choices: only the leader's change
    // leading: everyone comes along; else scrolling on one's own: stop following
    onFragment: () => (leading() ? scroll.jump() : scroll.goFree()),
  });
  document.getElementById("leave")?.addEventListener("click", () => {
    view.send(Msg.LEAVE, {});
    view.conn.end(LEAVE_GRACE_MS); // the relay's ENDED brings the list of visited pages
    showEnded({ hide: HIDE_WHEN_ENDED, reason: t("removed_left") });
  });
}
