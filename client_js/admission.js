// Advisor side of joining: who waits to be let in (read-back confirmation or
// admission) and removing people. (The access code: access_code.js; the
// joiner's side: waiting.js.)

import { Msg } from "./protocol.js";
import { t } from "./i18n.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").Send} Send */
/** @typedef {import("./protocol.js").AdmissionsBody} AdmissionsBody */
/** @typedef {import("./protocol.js").Joiner} Joiner */
/** @typedef {import("./protocol.js").Participant} Participant */

/** @param {string} id */
const $ = (id) => document.getElementById(id);

/**
 * Render the advisor-only ADMISSIONS frame into `#admissions`.
 * @param {AdmissionsBody} body
 * @param {Send} send
 */
function showAdmissions({ waiting = [], mode = "type" }, send) {
  const box = $("admissions");
  const list = $("admissions-list");
  if (!box || !list) return;
  const person = /** @type {HTMLElement | null | undefined} */ (document.activeElement?.closest?.("[data-person]"));
  const focused = person?.dataset.person;
  const items = waiting.map((person) => admissionItem(person, mode, send));
  list.replaceChildren(...items);
  box.hidden = items.length === 0;
  // keep the advisor's typing position when the list is re-rendered
  if (focused) /** @type {HTMLElement | null} */ (list.querySelector(`[data-person="${CSS.escape(focused)}"] input`))?.focus();
}

/**
 * @param {string} text
 * @param {string} className
 * @param {() => void} onClick
 */
function button(text, className, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  if (className) b.className = className;
  b.addEventListener("click", onClick);
  return b;
}

/**
 * @param {Joiner} person
 * @param {AdmissionsBody["mode"]} mode
 * @param {Send} send
 */
function admissionItem(person, mode, send) {
  const li = document.createElement("li");
  li.dataset.person = person.id;
  li.className = "admission";
  const title = document.createElement("p");
  title.className = "admission-title";
  const role = ["citizen", "guest"].includes(person.role) ? t(`role_${person.role}`) : person.label;
  title.textContent = t("admission_title", { label: role });
  li.append(title);
  const deny = button(t("deny"), "danger", () => send(Msg.DENY, { participant: person.id }));
  if (!person.confirm) {
    li.append(button(t("admit"), "primary", () => send(Msg.ADMIT, { participant: person.id, phrase: null })), deny);
    return li;
  }
  if (mode === "button" && person.phrase) {
    const phrase = document.createElement("p");
    phrase.className = "phrase";
    phrase.textContent = t("admission_phrase", { phrase: person.phrase });
    li.append(
      phrase,
      button(t("admit_words_ok"), "primary", () => send(Msg.ADMIT, { participant: person.id, phrase: null })),
      deny,
    );
    return li;
  }
  const form = document.createElement("form");
  form.className = "confirm-form";
  const id = `heard-${person.id}`;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = t("admission_question");
  const input = document.createElement("input");
  input.id = id;
  input.type = "text";
  input.autocomplete = "off";
  input.spellcheck = false;
  input.dataset.testid = "confirm-phrase";
  const hint = document.createElement("p");
  hint.className = "hint";
  hint.textContent = t("admission_attempts", { n: person.attempts_left });
  const ok = document.createElement("button");
  ok.type = "submit";
  ok.className = "primary";
  ok.textContent = t("confirm");
  form.append(label, input, ok, deny, hint);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) send(Msg.ADMIT, { participant: person.id, phrase: input.value });
    input.value = "";
  });
  li.append(form);
  return li;
}

/**
 * Add "Entfernen" buttons to the participants list (advisor only).
 * @param {Participant[]} participants
 * @param {Send} send
 */
function addRemoveButtons(participants, send) {
  const list = $("participants");
  if (!list) return;
  const items = [...list.children];
  participants.forEach((person, index) => {
    const li = items[index];
    if (!li || person.role === "advisor") return;
    if (person.state === "pending") {
      li.append(t("waiting_suffix"));
      return;
    }
    const remove = button(t("remove"), "link-button", () => {
      send(Msg.REMOVE, { participant: person.id });
    });
    remove.setAttribute("aria-label", t("remove_label", { name: (li.textContent ?? "").trim() }));
    remove.dataset.focusKey = `remove-${person.id}`; // the list is redrawn: focus stays on it
    li.append(" ", remove);
  });
}

/**
 * @param {Send} send
 * @returns {Handlers} PARTICIPANTS: "Entfernen" buttons (after participants.js
 *   rendered the list); ADMISSIONS: who waits
 */
export function admissionFrames(send) {
  return {
    [Msg.PARTICIPANTS]: (body) => addRemoveButtons(body.participants ?? [], send),
    [Msg.ADMISSIONS]: (body) => showAdmissions(body, send),
  };
}
