// Advisor console at /berater: open a session, show its access code, steer
// the shared page (address, links, forms, widgets), point, hand the lead to
// a citizen and take it back (lead.js), end the session.
// FRAMES below is the console's frame table: what each relay message does here.

import { addressBar } from "./address_bar.js";
import { admissionFrames } from "./admission.js";
import { codeFrames, showSessionCode, stopCountdown } from "./access_code.js";
import { trackInput } from "./forms.js";
import { askWith, keepFocus } from "./focus.js";
import { frameTable } from "./frames.js";
import { advisorOverlays } from "./highlight.js";
import { wireHistoryButtons } from "./history.js";
import { advisorHover } from "./hover.js";
import { idleFrames } from "./idle.js";
import { leadFrames, wireTakeBack } from "./lead.js";
import { mirrorFrames, resetMirror } from "./mirror.js";
import { containWheel, interceptMirror } from "./mirror_events.js";
import { noticeFrames, showNotice } from "./notices.js";
import { pageActions } from "./page_actions.js";
import { pageHeaderFrames } from "./page_header.js";
import { participantsFrames } from "./participants.js";
import { advisorPointer } from "./pointer.js";
import { Msg } from "./protocol.js";
import { advisorScroll } from "./scroll.js";
import { createSessionView } from "./session_view.js";
import { advisorViewport } from "./viewport.js";
import { waitingFrames } from "./waiting.js";
import { t } from "./i18n.js";

/** @typedef {import("./connection.js").Connection} Connection */
/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").Send} Send */
/** @typedef {{session: string, code?: string, expires_at?: number, now?: number}} SessionData */

const STORAGE_KEY = "web-begleiter.sitzung";
/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
const buttonEl = (/** @type {string} */ id) => /** @type {HTMLButtonElement} */ (document.getElementById(id));

/** @type {Connection | null} */
let conn = null; // the live session's Connection, if any
/** @type {(() => void) | null} */
let afterEnd = null; // what to do once the session has ended (log out)
/** @type {{pointer: Handlers, hover: Handlers, scroll: Handlers, viewport: Handlers, address: ReturnType<typeof addressBar>} | null} */
let lasting = null; // features that live as long as the console, not one session
// Frames that describe a passing state: lost while offline without a notice.
/** @type {Set<number>} */
const QUIET = new Set([Msg.POINTER_MOVE, Msg.SCROLL_TO, Msg.HOVER_AT, Msg.PULSE_AT]);

if (document.body.dataset.role === "advisor") main();

function main() {
  $("new-session").addEventListener("click", createSession);
  buttonEl("new-session").disabled = false;
  document.getElementById("new-code")?.addEventListener("click", () => send(Msg.NEW_CODE, {}));
  $("address-form").addEventListener("submit", navigate);
  $("end-session").addEventListener("click", endSession);
  keepFocus();
  containWheel();
  const scroll = advisorScroll(send);
  lasting = {
    pointer: advisorPointer(send),
    hover: advisorHover(send),
    scroll: scroll.frames,
    viewport: advisorViewport(),
    address: addressBar(input("address")),
  };
  const inputs = trackInput(send);
  const overlays = advisorOverlays(send);
  const { clickLink, submitForm, toggleWidget } = pageActions(send);
  wireHistoryButtons(send);
  wireTakeBack(send);
  interceptMirror({
    // the advisor can always act, also while a citizen leads (lead.js)
    onLink: clickLink,
    onSubmit: submitForm,
    // Values still waiting to be sent go first: a reset button must not be
    // undone by the value its field sent when it lost focus.
    onToggle: (widget) => {
      inputs.flush();
      toggleWidget(widget);
    },
    onFragment: () => scroll.jump(),
    beforeClick: overlays.beforeClick,
  });
  document.querySelector(".logout-form")?.addEventListener("submit", (e) => logout(/** @type {SubmitEvent} */ (e)));
  const stored = loadStored();
  if (stored) resumeSession(stored);
  else offerRunning();
}

/**
 * Send a frame on the live session; tells the advisor when that is impossible.
 * @type {Send}
 */
function send(type, body) {
  if (conn?.send(type, body)) return true;
  if (!QUIET.has(type)) {
    showNotice(t("offline"), { level: "warning", key: "offline" });
  }
  return false;
}

/** "Sitzung beenden" asks first: it ends the session for everyone, at once. */
async function endSession() {
  const answer = await askWith(/** @type {HTMLDialogElement} */ ($("end-confirm")));
  if (answer === "yes" && send(Msg.END, {})) buttonEl("end-session").disabled = true;
}

/**
 * „Abmelden“ while a session runs asks first: end it, or leave it running for
 * the next login (the citizen meanwhile sees that the advisor is away).
 * @param {SubmitEvent} event
 */
async function logout(event) {
  const form = /** @type {HTMLFormElement} */ (event.currentTarget);
  if (!conn || $("session").hidden) return; // no session: just log out
  event.preventDefault();
  const answer = await askWith(/** @type {HTMLDialogElement} */ ($("logout-confirm")));
  if (answer === "keep") {
    form.submit();
  } else if (answer === "end") {
    afterEnd = () => form.submit(); // once the relay has ended it
    if (!send(Msg.END, {})) form.submit();
  }
}

/**
 * No session remembered in this tab: offer the advisor's running one, if any
 * (another tab, or „Abmelden“ that left it running).
 */
async function offerRunning() {
  let data;
  try {
    const response = await fetch("/api/sessions", { credentials: "same-origin" });
    data = response.ok ? await response.json() : null;
  } catch {
    return;
  }
  const running = /** @type {SessionData | undefined} */ (data?.sessions?.[0]);
  if (!running || conn) return;
  const button = buttonEl("resume-session");
  button.hidden = false;
  button.onclick = () => {
    button.hidden = true;
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ ...running, now: data.now }));
    openSession({ ...running, now: data.now });
    $("code-heading").focus();
  };
}

/** @returns {SessionData | null} */
function loadStored() {
  try {
    const data = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null");
    return data && typeof data.session === "string" ? data : null;
  } catch {
    return null;
  }
}

/**
 * After a reload: ask the relay whether the remembered session still runs.
 * @param {SessionData} stored
 */
async function resumeSession(stored) {
  let response;
  try {
    response = await fetch(`/api/sessions/${encodeURIComponent(stored.session)}`, { credentials: "same-origin" });
  } catch {
    openSession(stored); // relay unreachable: the connection retries on its own
    return;
  }
  const data = await response.json().catch(() => ({}));
  if (response.ok && data.session === stored.session) {
    openSession(data);
    return;
  }
  sessionStorage.removeItem(STORAGE_KEY);
  if (response.status === 404 || response.status === 401) {
    showNotice(data.error || t("session_gone"), { level: "info", key: "resume" });
  } else {
    openSession(stored);
  }
}

async function createSession() {
  const button = buttonEl("new-session");
  button.disabled = true;
  try {
    const csrf = /** @type {HTMLMetaElement | null} */ (document.querySelector('meta[name="csrf-token"]'))?.content ?? "";
    const response = await fetch("/api/sessions", {
      method: "POST",
      headers: { "X-CSRF-Token": csrf },
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok || typeof data.session !== "string") {
      const text = data.error || t("create_failed");
      showNotice(text, { level: "error", key: "create" });
      return;
    }
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(data));
    openSession(data);
    $("code-heading").focus(); // the button is gone: on to the code to read out
  } catch {
    showNotice(t("server_unreachable"), { level: "error", key: "create" });
  } finally {
    button.disabled = false;
  }
}

/** @param {SessionData} data */
function openSession(data) {
  if (conn) resetMirror();
  showSessionCode(data);
  $("new-session").hidden = true;
  buttonEl("resume-session").hidden = true;
  $("ended").hidden = true;
  $("session").hidden = false;
  $("session-side").hidden = false;
  buttonEl("end-session").disabled = false;
  $("page-title").textContent = "";
  $("page-url").textContent = "";
  $("participants").replaceChildren();
  const view = createSessionView({
    path: `/ws?session=${encodeURIComponent(data.session)}`,
    hideWhenEnded: ["#session", "#session-side"],
    onEnded: () => {
      sessionStorage.removeItem(STORAGE_KEY);
      stopCountdown();
      $("new-session").hidden = false;
      afterEnd?.();
      afterEnd = null;
    },
  });
  conn = view.conn;
  const { pointer, hover, scroll, viewport, address } = /** @type {NonNullable<typeof lasting>} */ (lasting);
  address.reset();
  // The console's frame table; per message, handlers run in this order.
  view.start(
    frameTable([
      waitingFrames(), // any frame but WELCOME/WAITING: hide the waiting screen
      mirrorFrames(), // SNAPSHOT, MUTATIONS: the shared page
      view.frames, // WELCOME: version check; SNAPSHOT: pixel grid; ENDED
      pageHeaderFrames(), // SNAPSHOT, MUTATIONS.navigate, LOADING: title, address, loading
      participantsFrames({ advisor: true }), // WELCOME, PARTICIPANTS: the list with states, who came and went
      admissionFrames(send), // PARTICIPANTS: remove buttons; ADMISSIONS
      leadFrames({ advisor: true, send }), // WELCOME; PARTICIPANTS: who leads, „Führung abgeben“ buttons; ENDED
      idleFrames(view.send), // IDLE_WARNING, NOTICE "extended"
      noticeFrames(), // NOTICE
      address.frames, // SNAPSHOT, MUTATIONS.navigate: the address field, unless the advisor is typing
      pointer, // CITIZEN_POINTER; SNAPSHOT, MUTATIONS.navigate, PARTICIPANTS
      hover, // PARTICIPANTS: say again where the advisor hovers
      scroll, // PARTICIPANTS: say again where the advisor scrolled to; SCROLL: follow a leading citizen
      viewport, // PARTICIPANTS: lay the mirror out at the citizen's size
      codeFrames(), // CODE; PARTICIPANTS: someone joined, stop the countdown
    ]),
  );
}

function navigate(/** @type {SubmitEvent} */ event) {
  event.preventDefault();
  let url = input("address").value.trim();
  if (!url) {
    showNotice(t("address_missing"), { level: "warning", key: "address" });
    input("address").focus();
    return;
  }
  if (url.startsWith("//")) url = `https:${url}`;
  else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `https://${url}`;
  send(Msg.NAVIGATE, { url });
  lasting?.address.sent();
}
