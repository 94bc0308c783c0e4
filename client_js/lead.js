// The citizen's turn: the advisor hands the lead to a citizen or guest
// („Führung abgeben“) and takes it back („Führung zurücknehmen“); LEAD goes
// to the relay, whose PARTICIPANTS frames say who leads (`lead`; null: the
// advisor). While a citizen or guest leads, their link clicks, form submits,
// widgets, typing and scrolling drive the session for everyone (citizen.js,
// forms.js and scroll.js ask leading()); the advisor can still act, and the
// advisor's mirror follows the leader's scrolling (scroll.js asks
// ledByOther()). The relay gives the lead back to the advisor when the
// leader leaves, drops or is removed.
//
// Advisor: a „Führung abgeben“ button per admitted, connected joiner in the
// participants list and #lead-box („Bürger/in führt gerade …“ with
// „Führung zurücknehmen“). Citizen: #lead-status says „Sie führen jetzt …“
// or who leads; losing the lead is told in the notice line.

import { t } from "./i18n.js";
import { showNotice } from "./notices.js";
import { participantLabel } from "./participants.js";
import { Msg } from "./protocol.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").Participant} Participant */
/** @typedef {import("./protocol.js").Send} Send */

/** @type {string | undefined} */
let self; // the own participant id (WELCOME)
/** @type {string | null} */
let leader = null; // who leads; null: the advisor
/** @type {Array<() => void>} */
const listeners = [];

/** Whether this participant (a citizen or guest) leads now. */
export function leading() {
  return leader !== null && leader === self;
}

/** Whether someone else than this participant leads (in the console: a citizen or guest). */
export function ledByOther() {
  return leader !== null && leader !== self;
}

/**
 * Call `listener` whenever the lead changes hands (after leading() and
 * ledByOther() say so).
 * @param {() => void} listener
 */
export function onLeadChange(listener) {
  listeners.push(listener);
}

/** @param {string} id */
const $ = (id) => document.getElementById(id);

/**
 * Advisor: „Führung zurücknehmen“ (#lead-take-back) sends LEAD with nobody.
 * Wired once per console, not per session.
 * @param {Send} send
 */
export function wireTakeBack(send) {
  $("lead-take-back")?.addEventListener("click", () => send(Msg.LEAD, { participant: null }));
}

/**
 * Advisor: a „Führung abgeben“ button for every admitted, connected joiner
 * who does not lead, in the list participants.js (and admission.js) drew.
 * @param {Participant[]} participants in the list's order
 * @param {Send} send
 */
function addLeadButtons(participants, send) {
  const list = $("participants");
  if (!list) return;
  const items = [...list.children];
  participants.forEach((person, index) => {
    const li = items[index];
    if (!li || person.role === "advisor" || person.state !== "active" || person.connected === false) return;
    if (person.id === leader) {
      li.setAttribute("data-leads", "true");
      const mark = document.createElement("span");
      mark.className = "participant-lead";
      mark.textContent = ` – ${t("lead_marker")} `;
      const button = li.querySelector("button"); // „Entfernen“ (admission.js)
      if (button) li.insertBefore(mark, button.previousSibling ?? button);
      else li.append(mark);
      return;
    }
    const give = document.createElement("button");
    give.type = "button";
    give.className = "link-button";
    give.textContent = t("lead_give");
    give.setAttribute("aria-label", t("lead_give_label", { name: participantLabel(person) }));
    give.dataset.focusKey = `lead-${person.id}`; // the list is redrawn: focus stays on it
    give.dataset.testid = "lead-give";
    give.addEventListener("click", () => send(Msg.LEAD, { participant: person.id }));
    li.append(" ", give);
  });
}

/**
 * The leader's label, or "" when the advisor leads (or the leader is not listed).
 * @param {Participant[]} participants
 */
function leaderName(participants) {
  const person = participants.find((p) => p.id === leader);
  return person ? participantLabel(person) : "";
}

/**
 * Advisor: #lead-box shows who leads, with „Führung zurücknehmen“.
 * @param {Participant[]} participants
 */
function showAdvisorBox(participants) {
  const box = $("lead-box");
  const status = $("lead-status");
  if (!box || !status) return;
  const name = ledByOther() ? leaderName(participants) : "";
  if (box.hidden !== !name) box.hidden = !name; // no mutation when nothing changes (focus.js watches)
  // Focus follows the lead: from „Führung abgeben“ to „Führung zurücknehmen“
  // and back (focus.js moves it to the element with the same key).
  const takeBack = $("lead-take-back");
  if (takeBack && name) takeBack.dataset.focusKey = `lead-${leader}`; // kept once hidden: focus goes back
  document.body.dataset.lead = name ? "citizen" : "advisor";
  const text = name ? t("lead_advisor_view", { name }) : "";
  if (status.textContent !== text) status.textContent = text;
}

/**
 * Citizen or guest: #lead-status says „Sie führen jetzt …“ or who leads.
 * @param {Participant[]} participants
 */
function showCitizenLine(participants) {
  const line = $("lead-status");
  if (!line) return;
  let text = "";
  if (leading()) text = t("lead_self");
  else if (leader !== null) text = leaderName(participants) ? t("lead_other", { name: leaderName(participants) }) : "";
  if (line.hidden !== !text) line.hidden = !text;
  document.body.dataset.lead = leading() ? "self" : leader === null ? "advisor" : "other";
  if (line.textContent !== text) line.textContent = text;
}

/**
 * WELCOME: who am I; PARTICIPANTS: who leads (the advisor's buttons and box,
 * the citizen's status line); ENDED: nobody leads any more.
 * In the console it must come after participants.js and admission.js (it
 * adds to their list); the console wires #lead-take-back once (wireTakeBack).
 * @param {{advisor?: boolean, send: Send}} options
 * @returns {Handlers}
 */
export function leadFrames({ advisor = false, send }) {
  const changed = () => {
    for (const listener of listeners) listener();
  };
  return {
    [Msg.WELCOME]: (body) => {
      self = body.participant;
    },
    [Msg.PARTICIPANTS]: (body) => {
      const participants = body.participants ?? [];
      const wasLeading = leading();
      const before = leader;
      leader = typeof body.lead === "string" ? body.lead : null;
      if (advisor) {
        addLeadButtons(participants, send);
        showAdvisorBox(participants);
      } else {
        showCitizenLine(participants);
        if (wasLeading && !leading()) showNotice(t("lead_taken_back"), { key: "lead" });
      }
      if (before !== leader) changed();
    },
    [Msg.ENDED]: () => {
      const before = leader;
      leader = null;
      if (advisor) showAdvisorBox([]);
      else showCitizenLine([]);
      if (before !== null) changed();
    },
  };
}
