// The end of a session: the live parts are hidden, #ended shows the pages
// visited together (links to the original sites), which can be printed or
// saved as a small HTML file. Focus moves to its heading so screen readers
// announce the end.

import { setLoading } from "./page_header.js";
import { setStatus } from "./status.js";
import { LANG, LOCALE, t } from "./i18n.js";

/** @typedef {import("./protocol.js").VisitedPage} VisitedPage */

/** True for URLs a visited-pages link may point to. */
function isWebUrl(/** @type {string} */ url) {
  try {
    return ["http:", "https:"].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

/**
 * Hide the live-session parts.
 * @param {string[]} selectors
 */
export function hideLiveParts(selectors) {
  for (const selector of selectors) {
    for (const el of document.querySelectorAll(selector)) /** @type {HTMLElement} */ (el).hidden = true;
  }
}

/**
 * Show the #ended section with the list of visited pages (links to the
 * original sites) and hide the live-session controls.
 * @param {Array<{url: string, title?: string}>} visited
 * @param {string[]} [hide] selectors of the live-session parts to hide
 */
export function showEnded(visited = [], hide = []) {
  hideLiveParts(hide);
  const ended = document.getElementById("ended");
  // Shown already (the relay's ENDED and the closing socket both end the view):
  // keep the list unless this one is longer, and leave focus where the person moved it.
  const again = Boolean(ended && !ended.hidden);
  const list = document.getElementById("visited-pages");
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
    const heading = /** @type {HTMLElement | null} */ (ended.querySelector("h1, h2, h3"));
    if (heading && !heading.hasAttribute("tabindex")) heading.tabIndex = -1;
    heading?.focus();
  }
  setLoading(false);
  setStatus("ended");
}

/** The visited pages as a small standalone HTML document (text is escaped by the DOM). */
function visitedDocument() {
  const doc = document.implementation.createHTMLDocument(t("visited_title"));
  doc.documentElement.lang = LANG;
  const meta = doc.createElement("meta");
  meta.setAttribute("charset", "utf-8");
  doc.head.prepend(meta);
  const h1 = doc.createElement("h1");
  h1.textContent = t("visited_heading");
  const date = doc.createElement("p");
  date.textContent = new Date().toLocaleString(LOCALE);
  const list = doc.createElement("ol");
  const links = /** @type {NodeListOf<HTMLAnchorElement>} */ (document.querySelectorAll("#visited-pages a"));
  for (const a of links) {
    const li = doc.createElement("li");
    const link = doc.createElement("a");
    link.href = a.href;
    link.textContent = a.textContent;
    li.append(link, doc.createTextNode(` – ${a.href}`));
    list.append(li);
  }
  doc.body.append(h1, date, list);
  return new XMLSerializer().serializeToString(doc);
}

/** Wire "Liste drucken" and "Als Datei speichern" in `#ended`. */
export function wireVisitedExport() {
  document.getElementById("print-visited")?.addEventListener("click", () => window.print());
  document.getElementById("save-visited")?.addEventListener("click", () => {
    const blob = new Blob([visitedDocument()], { type: "text/html;charset=utf-8" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = t("visited_file");
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
}
