// Notices in #notices: the relay's NOTICE frames (in the reader's language
// when the catalogue has them) and the client's own messages. They stay
// until dismissed (no time limit to read them); only the newest few are
// kept so the list cannot grow without bound. Text is set with textContent.

import { Msg } from "./protocol.js";
import { noticeText, t } from "./i18n.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */

const MAX_NOTICES = 4;

/**
 * Show a message in #notices. A notice with the same key replaces
 * the older one.
 * @param {string} text
 * @param {{level?: "info"|"warning"|"error", key?: string, link?: string, linkText?: string}} [options]
 *   `link`: a relay download path (`/r/…`) shown as a link after the text
 */
export function showNotice(text, { level = "info", key, link, linkText } = {}) {
  const box = document.getElementById("notices");
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
  while (box.children.length > MAX_NOTICES) box.firstElementChild?.remove();
}

/** @returns {Handlers} NOTICE: show it */
export function noticeFrames() {
  return {
    [Msg.NOTICE]: (body) => {
      showNotice(noticeText(body), { level: body.level, key: body.key, link: body.link, linkText: t("download") });
    },
  };
}
