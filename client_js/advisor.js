// Advisor console at /berater: open a session, show its access code, steer
// the shared page (address, links, forms), point, end the session.

import { nodeIdOf, resetMirror } from "./mirror.js";
import { interceptMirror } from "./mirror_events.js";
import { startAdvisorMoves } from "./advisor_moves.js";
import { maskedNames } from "./forms.js";
import { Msg } from "./protocol.js";
import { startSessionView } from "./session_view.js";
import { addRemoveButtons, showAdmissions } from "./admission.js";
import { showNotice } from "./ui.js";
import { fitMirror, pickViewport } from "./viewport.js";
import { LOCALE, t } from "./i18n.js";

const STORAGE_KEY = "web-begleiter.sitzung";
const $ = (id) => document.getElementById(id);
const timeFormat = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit" });

let conn = null; // the live session's Connection, if any
let countdown = 0;
let mirrored = null; // {id, size} of the participant whose view the mirror shows
let moves = null; // pointer, hover, scroll, fields, widgets, highlight (advisor_moves.js)
// Frames that describe a passing state: lost while offline without a notice.
const QUIET = new Set([Msg.POINTER_MOVE, Msg.SCROLL_TO, Msg.HOVER_AT, Msg.PULSE_AT]);

if (document.body.dataset.role === "advisor") main();

function main() {
  $("new-session").addEventListener("click", createSession);
  $("new-session").disabled = false;
  $("new-code")?.addEventListener("click", () => send(Msg.NEW_CODE, {}));
  $("address-form").addEventListener("submit", navigate);
  $("end-session").addEventListener("click", () => {
    if (send(Msg.END, {})) $("end-session").disabled = true;
  });
  moves = startAdvisorMoves(send);
  window.addEventListener("resize", () => {
    if (mirrored) fitMirror($("mirror"), mirrored.size, $("viewport-label"));
  });
  interceptMirror({ onLink: clickLink, onSubmit: submitForm, ...moves.intercept });
  const stored = loadStored();
  if (stored) resumeSession(stored);
}

/** Send a frame on the live session; tells the advisor when that is impossible. */
function send(type, body) {
  if (conn?.send(type, body)) return true;
  if (!QUIET.has(type)) {
    showNotice(t("offline"), { level: "warning", key: "offline" });
  }
  return false;
}

function loadStored() {
  try {
    const data = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null");
    return data && typeof data.session === "string" ? data : null;
  } catch {
    return null;
  }
}

/** After a reload: ask the relay whether the remembered session still runs. */
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
  const button = $("new-session");
  button.disabled = true;
  try {
    const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
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
  } catch {
    showNotice(t("server_unreachable"), { level: "error", key: "create" });
  } finally {
    button.disabled = false;
  }
}

/** "123456" → "123 456" (read out in two groups over the phone). */
function formatCode(code) {
  const digits = String(code ?? "").replace(/\D/g, "");
  return digits.length === 6 ? `${digits.slice(0, 3)} ${digits.slice(3)}` : String(code ?? "");
}

/** Epoch milliseconds of a timestamp given in seconds, milliseconds or ISO form. */
function toMillis(value) {
  const n = Number(value);
  if (Number.isFinite(n)) return n < 1e12 ? n * 1000 : n;
  return Date.parse(value);
}

/**
 * Count down to `expiresAt`; `serverNow` (same unit) corrects for a local
 * clock that differs from the relay's.
 */
function startCountdown(expiresAt, serverNow) {
  clearInterval(countdown);
  const el = $("code-expiry");
  const skew = serverNow === undefined ? 0 : Date.now() - toMillis(serverNow);
  const end = toMillis(expiresAt) + (Number.isFinite(skew) ? skew : 0);
  if (!Number.isFinite(end)) {
    el.textContent = "";
    return;
  }
  const tick = () => {
    const minutes = Math.ceil((end - Date.now()) / 60000);
    if (minutes <= 0) {
      el.textContent = t("code_expired");
      clearInterval(countdown);
      return;
    }
    el.textContent = t("code_valid_until", { time: timeFormat.format(end), minutes });
  };
  tick();
  countdown = setInterval(tick, 15000);
}

/** A new code (or none: revoked after a denial/removal). */
function showCode({ code, expires_at: expiresAt }) {
  if (code) {
    $("session-code").textContent = formatCode(code);
    startCountdown(expiresAt);
    return;
  }
  clearInterval(countdown);
  $("session-code").textContent = "–";
  $("code-expiry").textContent = t("code_revoked");
}

function openSession(data) {
  if (conn) resetMirror();
  $("session-code").textContent = formatCode(data.code);
  startCountdown(data.expires_at, data.now);
  $("new-session").hidden = true;
  $("ended").hidden = true;
  $("session").hidden = false;
  $("end-session").disabled = false;
  $("page-title").textContent = "";
  $("page-url").textContent = "";
  $("participants").replaceChildren();
  conn = startSessionView({
    path: `/ws?session=${encodeURIComponent(data.session)}`,
    hideWhenEnded: ["#session"],
    onFrame: ({ type, body }) => {
      if (type === Msg.SNAPSHOT) $("address").value = body.url ?? "";
      if (type === Msg.MUTATIONS && body.navigate) $("address").value = body.navigate.url ?? "";
      moves.onFrame({ type, body });
      if (type === Msg.PARTICIPANTS) {
        showCitizenView(body.participants ?? []);
        addRemoveButtons(body.participants ?? [], send);
      }
      if (type === Msg.ADMISSIONS) showAdmissions(body, send);
      if (type === Msg.CODE) showCode(body);
      if (type === Msg.PARTICIPANTS && body.participants?.some((p) => p.role !== "advisor")) {
        clearInterval(countdown); // someone joined: the code's deadline no longer matters
        $("code-expiry").textContent = "";
      }
    },
    onEnded: () => {
      sessionStorage.removeItem(STORAGE_KEY);
      clearInterval(countdown);
      $("new-session").hidden = false;
    },
  });
}

/** Lay the mirror out at the (first) citizen's mirror size. */
function showCitizenView(participants) {
  const next = pickViewport(participants, mirrored?.id);
  if (next?.id === mirrored?.id && next?.size.join("x") === mirrored?.size.join("x")) return;
  mirrored = next;
  fitMirror($("mirror"), next?.size ?? null, $("viewport-label"));
}

function navigate(event) {
  event.preventDefault();
  let url = $("address").value.trim();
  if (!url) {
    showNotice(t("address_missing"), { level: "warning", key: "address" });
    $("address").focus();
    return;
  }
  if (url.startsWith("//")) url = `https:${url}`;
  else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `https://${url}`;
  send(Msg.NAVIGATE, { url });
}

function clickLink(link) {
  const node = nodeIdOf(link);
  if (node === undefined) {
    showNotice(t("link_blocked"), { level: "warning", key: "link" });
    return;
  }
  send(Msg.CLICK, { node });
}

/** Field values of `form` as [name, value] pairs; files and masked fields (passwords) are never sent. */
function formFields(form, submitter) {
  let data;
  try {
    data = new FormData(form, submitter ?? undefined);
  } catch {
    data = new FormData(form); // submitter not of this form, or an older browser
  }
  const masked = maskedNames(form);
  return [...data].filter(([name, value]) => typeof value === "string" && !masked.has(name));
}

function submitForm(form, submitter) {
  const node = nodeIdOf(form);
  if (node === undefined) {
    showNotice(t("form_blocked"), { level: "warning", key: "form" });
    return;
  }
  send(Msg.SUBMIT, { node, fields: formFields(form, submitter) });
}
