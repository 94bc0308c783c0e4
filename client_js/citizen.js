// Citizen view at /sitzung: watch the shared page and the advisor's
// pointer, leave at any time. Only the advisor navigates; the citizen's
// clicks on links and form buttons do nothing but explain that.

import { startCitizenMoves } from "./citizen_moves.js";
import { interceptMirror } from "./mirror_events.js";
import { followPointer, trackPointer } from "./pointer.js";
import { Msg } from "./protocol.js";
import { startSessionView } from "./session_view.js";
import { showEnded, showNotice } from "./ui.js";
import { t } from "./i18n.js";

const HIDE_WHEN_ENDED = ["#view", "#leave"];
// After LEAVE, how long the relay may still answer with its list of visited pages.
const LEAVE_GRACE_MS = 2000;

if (document.body.dataset.role === "citizen") main();

function main() {
  const showPointer = followPointer(
    document.getElementById("mirror"),
    document.getElementById("advisor-pointer"),
  );
  const moves = startCitizenMoves();
  // Pages seen here, shown on leaving unless the relay sends its own list.
  const seen = new Map();
  // The relay shows this citizen's pointer to the advisor (WELCOME show_pointer):
  // tracked from the first page on, as moves before admission are not allowed.
  let pointerWanted = false;
  let pointerTracked = false;
  const conn = startSessionView({
    path: "/ws", // the participant cookie says who this is
    hideWhenEnded: HIDE_WHEN_ENDED,
    onFrame: ({ type, body }) => {
      if (type === Msg.WELCOME) pointerWanted = body.show_pointer === true;
      if (type === Msg.SNAPSHOT && pointerWanted && !pointerTracked) {
        pointerTracked = true;
        trackPointer((kind, b) => conn.send(kind, b));
      }
      if (type === Msg.POINTER) {
        showPointer(body);
      } else if (type === Msg.SNAPSHOT || (type === Msg.MUTATIONS && body.navigate)) {
        const page = type === Msg.SNAPSHOT ? body : body.navigate;
        showPointer(null); // the old page's element is gone
        if (page.url) seen.set(page.url, { url: page.url, title: page.title ?? "" });
      }
      moves.onFrame({ type, body });
    },
  });
  interceptMirror({
    onLink: () => showNotice(t("links_advisor_only"), { key: "links" }),
    onFragment: () => moves.goFree(), // scrolling on one's own: stop following
  });
  document.getElementById("leave").addEventListener("click", () => {
    conn.send(Msg.LEAVE, {});
    conn.end(LEAVE_GRACE_MS);
    showEnded([...seen.values()], HIDE_WHEN_ENDED);
  });
}
