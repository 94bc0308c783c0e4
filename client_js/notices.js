// The one notice line (#notices): the relay's NOTICE frames (in the reader's
// language when the catalogue has them) and the client's own messages.
// There is never more than one notice: a new one replaces the old. Infos
// and warnings go after NOTICE_MS (not while the pointer or focus is on
// them, so nobody loses a notice they are reading); errors and notices with
// a download link stay until the next action: the next notice, a new page
// or page loading, or closing it. Text is set with textContent.

import { Msg } from "./protocol.js";
import { noticeText, t } from "./i18n.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */

// Long enough to read two sentences slowly; errors do not time out at all.
const NOTICE_MS = 15000;
let timer = 0;

/** Remove the notice, if any. */
export function clearNotice() {
  clearTimeout(timer);
  document.getElementById("notices")?.replaceChildren();
}

/**
 * Show a message in #notices, replacing the one shown before.
 * @param {string} text
 * @param {{level?: "info"|"warning"|"error", key?: string, link?: string, linkText?: string}} [options]
 *   `link`: a relay download path (`/r/…`) shown as a link after the text
 */
export function showNotice(text, { level = "info", key, link, linkText } = {}) {
  const box = document.getElementById("notices");
  if (!box || !text) return;
  clearTimeout(timer);
  const item = document.createElement("div");
  item.className = `notice notice-${level}`;
  item.dataset.testid = "notice";
  if (key) item.dataset.key = key;
  const message = document.createElement("p");
  message.textContent = text;
  const hasLink = typeof link === "string" && link.startsWith("/r/");
  if (hasLink) {
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
  close.addEventListener("click", clearNotice);
  item.append(message, close);
  box.replaceChildren(item);
  if (level !== "error" && !hasLink) expireLater(item);
}

/**
 * Remove `item` after NOTICE_MS, or later while it is hovered or focused.
 * @param {HTMLElement} item
 */
function expireLater(item) {
  const expire = () => {
    if (!item.isConnected) return;
    if (item.matches(":hover") || item.contains(document.activeElement)) {
      timer = window.setTimeout(expire, NOTICE_MS / 3);
      return;
    }
    item.remove();
  };
  timer = window.setTimeout(expire, NOTICE_MS);
}

/** @returns {Handlers} NOTICE: show it; a new page (loading, shown) or the end: clear it */
export function noticeFrames() {
  return {
    [Msg.NOTICE]: (body) => {
      showNotice(noticeText(body), { level: body.level, key: body.key, link: body.link, linkText: t("download") });
    },
    [Msg.LOADING]: (body) => {
      if (body.url) clearNotice(); // the next action: a page is coming
    },
    [Msg.SNAPSHOT]: () => clearNotice(),
    [Msg.ENDED]: () => clearNotice(),
  };
}
