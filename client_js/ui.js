// The relay's own page chrome, shared by the advisor console and the citizen
// view: connection status, notices, page header, participants, ended state.
// Everything arriving from the wire is written with textContent, never HTML.

import { CATALOGUES, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

const ROLES = ["advisor", "citizen", "guest"];

// Notices stay until dismissed (no time limit to read them); only the
// newest few are kept so the list cannot grow without bound.
const MAX_NOTICES = 4;

/**
 * Show the connection state in #status.
 * @param {"connecting"|"connected"|"reconnecting"|"ended"} state
 * @param {string} [detail] replaces the default text, e.g. with a countdown
 */
export function setStatus(state, detail) {
  const el = $("status");
  if (!el) return;
  el.dataset.state = state;
  el.textContent = detail ?? (state ? t(`status_${state}`) : "");
}

/**
 * Show a message in #notices. A notice with the same key replaces
 * the older one.
 * @param {string} text
 * @param {{level?: "info"|"warning"|"error", key?: string, link?: string, linkText?: string}} [options]
 *   `link`: a relay download path (`/r/…`) shown as a link after the text
 */
export function showNotice(text, { level = "info", key, link, linkText } = {}) {
  const box = $("notices");
  if (!box || !text) return;
  if (key) box.querySelector(`[data-key="${CSS.escape(key)}"]`)?.remove();
  const item = document.createElement("div");
  item.className = `notice notice-${level}`;
  if (key) item.dataset.key = key;
  const message = document.createElement("p");
  message.textContent = text;
  if (typeof link === "string" && link.startsWith("/r/")) {
    const anchor = document.createElement("a");
    anchor.href = link;
    anchor.setAttribute("download", "");
    anchor.textContent = linkText || t("download");
    message.append(" ", anchor);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.className = "notice-close";
  close.textContent = "×";
  close.setAttribute("aria-label", t("close_notice"));
  close.addEventListener("click", () => item.remove());
  item.append(message, close);
  box.append(item);
  while (box.children.length > MAX_NOTICES) box.firstElementChild.remove();
}

/**
 * Show the loading state of the mirrored page in #page-status.
 * @param {boolean} loading
 */
export function setLoading(loading) {
  const el = $("page-status");
  if (el) el.textContent = loading ? t("page_loading") : "";
  document.querySelector(".mirror-wrap")?.setAttribute("aria-busy", String(loading));
}

/**
 * Show title and address of the mirrored page.
 * @param {{title?: string, url?: string}} page
 */
export function showPage({ title, url }) {
  const titleEl = $("page-title");
  if (titleEl) titleEl.textContent = title || url || "";
  const urlEl = $("page-url");
  if (urlEl) urlEl.textContent = url || "";
  setLoading(false);
}

// Guests keep the number they got when they first appeared ("Gast 2" stays
// "Gast 2" when "Gast 1" leaves), so the list and the pointer markers agree.
const guestNumbers = new Map();

/**
 * "Bürger/in" for the citizen, "Gast n" for a guest (n stable, see above).
 * @param {{id: *, role: string}} participant
 * @returns {string}
 */
export function participantLabel({ id, role }) {
  if (role !== "guest") return t(`role_${ROLES.includes(role) ? role : "guest"}`);
  if (!guestNumbers.has(id)) guestNumbers.set(id, guestNumbers.size + 1);
  return t("pointer_guest", { n: guestNumbers.get(id) });
}

/**
 * Render the participants list into #participants.
 * @param {Array<{id, role: string, label?: string}>} participants
 * @param {*} [self] the own participant id (from WELCOME), marked "(Sie)"
 */
export function showParticipants(participants, self) {
  const list = $("participants");
  if (!list) return;
  const items = participants.map(({ id, role, label }) => {
    const li = document.createElement("li");
    li.dataset.role = role;
    const roleId = `role_${ROLES.includes(role) ? role : "guest"}`;
    const roleText = role === "guest" ? participantLabel({ id, role }) : t(roleId);
    // the server's label is the German role name unless it says more
    const plain = !label || label === roleText || label === CATALOGUES.de[roleId];
    const parts = [plain ? roleText : `${roleText}: ${label}`];
    if (self !== undefined && id === self) parts.push(t("you"));
    li.textContent = parts.join(" ");
    return li;
  });
  list.replaceChildren(...items);
}

/** True for URLs a visited-pages link may point to. */
function isWebUrl(url) {
  try {
    return ["http:", "https:"].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

/**
 * Show the #ended section with the list of visited pages (links to the
 * original sites) and hide the live-session controls.
 * @param {Array<{url: string, title?: string}>} visited
 * @param {string[]} [hide] selectors of the live-session parts to hide
 */
export function showEnded(visited = [], hide = []) {
  for (const selector of hide) for (const el of document.querySelectorAll(selector)) el.hidden = true;
  const ended = $("ended");
  // Shown already (the relay's ENDED and the closing socket both end the view):
  // keep the list unless this one is longer, and leave focus where the person moved it.
  const again = Boolean(ended && !ended.hidden);
  const list = $("visited-pages");
  if (list && !(again && list.children.length >= visited.length)) {
    const items = visited.map(({ url, title }) => {
      const li = document.createElement("li");
      const label = title || url;
      if (isWebUrl(url)) {
        const a = document.createElement("a");
        a.href = url;
        a.rel = "noopener noreferrer";
        a.target = "_blank";
        a.textContent = label;
        li.append(a);
        if (title && title !== url) {
          const small = document.createElement("span");
          small.className = "visited-url";
          small.textContent = url;
          li.append(" ", small);
        }
      } else {
        li.textContent = label;
      }
      return li;
    });
    list.replaceChildren(...items);
  }
  if (ended && !again) {
    ended.hidden = false;
    // Move focus to the heading so screen readers announce the end.
    const heading = ended.querySelector("h1, h2, h3");
    if (heading && !heading.hasAttribute("tabindex")) heading.tabIndex = -1;
    heading?.focus();
  }
  setLoading(false);
  setStatus("ended");
}
