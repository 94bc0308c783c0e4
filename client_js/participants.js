// Who is in the session: the #participants list ("Berater/in (Sie)",
// "Bürger/in", "Gast 2") and the labels the pointer markers share with it.

import { Msg } from "./protocol.js";
import { CATALOGUES, t } from "./i18n.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").Participant} Participant */

const ROLES = ["advisor", "citizen", "guest"];

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
 * Render the participants list into #participants.
 * @param {Array<{id: string, role: string, label?: string}>} participants
 * @param {string} [self] the own participant id (from WELCOME), marked "(Sie)"
 */
export function showParticipants(participants, self) {
  const list = document.getElementById("participants");
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

/** @returns {Handlers} WELCOME: who am I; PARTICIPANTS: render the list */
export function participantsFrames() {
  /** @type {string | undefined} */
  let self;
  return {
    [Msg.WELCOME]: (body) => {
      self = body.participant;
    },
    [Msg.PARTICIPANTS]: (body) => showParticipants(body.participants ?? [], self),
  };
}
