// Who is in the session: the #participants list ("Berater/in (Sie)",
// "Bürger/in – verbunden", "Gast 2 – getrennt seit 14:05") and the labels the
// pointer markers share with it; and what changed, told in the one notice
// line: someone joined, left, dropped or is back. In the citizen's view the
// list has labels only (no one waiting to be admitted), and the advisor's
// presence goes to the status line instead (status.js).

import { Msg } from "./protocol.js";
import { setPresence } from "./status.js";
import { showNotice } from "./notices.js";
import { CATALOGUES, LOCALE, t } from "./i18n.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").Participant} Participant */

const ROLES = ["advisor", "citizen", "guest"];
const clock = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit" });

// Guests keep the number they got when they first appeared ("Gast 2" stays
// "Gast 2" when "Gast 1" leaves), so the list and the pointer markers agree.
const guestNumbers = new Map();

/**
 * "Bürger/in" for the citizen, "Gast n" for a guest (n stable, see above).
 * @param {{id: string, role: string}} participant
 * @returns {string}
 */
export function participantLabel({ id, role }) {
  if (role !== "guest") return t(`role_${ROLES.includes(role) ? role : "guest"}`);
  if (!guestNumbers.has(id)) guestNumbers.set(id, guestNumbers.size + 1);
  return t("pointer_guest", { n: guestNumbers.get(id) });
}

/**
 * "verbunden" or "getrennt seit 14:05"; "" when the relay did not say.
 * @param {{connected?: boolean, away_since?: number | null}} participant
 */
function presenceText({ connected, away_since: awaySince }) {
  if (connected === undefined) return "";
  if (connected) return t("participant_connected");
  return typeof awaySince === "number" ? t("participant_away", { time: clock.format(new Date(awaySince * 1000)) }) : "";
}

/**
 * Render the participants list into #participants.
 * @param {Array<{id: string, role: string, label?: string, connected?: boolean, away_since?: number | null}>} participants
 * @param {string} [self] the own participant id (from WELCOME), marked "(Sie)"
 * @param {boolean} [withState] add each one's connection state (the advisor's console)
 */
export function showParticipants(participants, self, withState = false) {
  const list = document.getElementById("participants");
  if (!list) return;
  const items = participants.map((person) => {
    const { id, role, label } = person;
    const li = document.createElement("li");
    li.dataset.role = role;
    const roleId = `role_${ROLES.includes(role) ? role : "guest"}`;
    const roleText = role === "guest" ? participantLabel({ id, role }) : t(roleId);
    // the server's label is the German role name unless it says more
    const plain = !label || label === roleText || label === CATALOGUES.de[roleId];
    const parts = [plain ? roleText : `${roleText}: ${label}`];
    const own = self !== undefined && id === self;
    if (own) parts.push(t("you"));
    li.textContent = parts.join(" ");
    const state = withState && !own ? presenceText(person) : "";
    if (state) {
      const span = document.createElement("span");
      span.className = "participant-state";
      span.dataset.connected = String(Boolean(person.connected));
      span.textContent = ` – ${state}`;
      li.append(span);
    }
    return li;
  });
  list.replaceChildren(...items);
  const toggle = document.getElementById("people-toggle");
  if (toggle) {
    toggle.textContent = items.length === 1 ? t("people_one") : t("people_many", { n: items.length });
    toggle.hidden = items.length === 0;
  }
}

/**
 * The citizen's „3 Personen“ button: where the bar is too short for the list
 * (site.css), it opens and closes the list (a disclosure, aria-expanded).
 */
export function wirePeopleToggle() {
  const toggle = document.getElementById("people-toggle");
  toggle?.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
  });
}

/**
 * What changed since the last list, as notices: joined, left, dropped, back.
 * @param {Map<string, Participant>} before
 * @param {Participant[]} now active participants only
 * @param {string | undefined} self
 * @param {boolean} aboutAdvisor also about the advisor (not in the citizen's view: status line)
 */
function tellChanges(before, now, self, aboutAdvisor) {
  /** @type {string[]} */
  const said = [];
  const name = (/** @type {Participant} */ p) => participantLabel(p);
  for (const person of now) {
    if (person.id === self || (!aboutAdvisor && person.role === "advisor")) continue;
    const old = before.get(person.id);
    if (!old) said.push(t("participant_joined", { name: name(person) }));
    else if (old.connected && person.connected === false) said.push(t("participant_dropped", { name: name(person) }));
    else if (old.connected === false && person.connected) said.push(t("participant_back", { name: name(person) }));
  }
  const ids = new Set(now.map((p) => p.id));
  for (const old of before.values()) {
    if (ids.has(old.id) || old.id === self || (!aboutAdvisor && old.role === "advisor")) continue;
    said.push(t("participant_left", { name: name(old) }));
  }
  if (said.length) showNotice(said.join(" "), { key: "participants" });
}

/**
 * WELCOME: who am I; PARTICIPANTS: render the list, tell what changed and,
 * for a citizen, whether the advisor is there.
 * @param {{advisor?: boolean}} [options] advisor: the console (states, pending joiners)
 * @returns {Handlers}
 */
export function participantsFrames({ advisor = false } = {}) {
  /** @type {string | undefined} */
  let self;
  /** @type {Map<string, Participant> | null} */
  let known = null; // active participants of the last list; null before the first
  return {
    [Msg.WELCOME]: (body) => {
      self = body.participant;
    },
    [Msg.PARTICIPANTS]: (body) => {
      const everyone = body.participants ?? [];
      // in: admitted and connected at least once (a joiner's socket follows its join)
      const active = everyone.filter((p) => p.state !== "pending" && (p.connected !== false || p.away_since != null));
      showParticipants(advisor ? everyone : active, self, advisor);
      if (known) tellChanges(known, active, self, advisor);
      known = new Map(active.map((p) => [p.id, p]));
      if (!advisor) {
        const lead = active.find((p) => p.role === "advisor");
        if (lead && lead.connected !== undefined) setPresence(lead.connected ? "here" : "away");
      }
    },
    [Msg.ENDED]: (body) => {
      if (!advisor && body.reason === "advisor") setPresence("ended");
    },
  };
}
