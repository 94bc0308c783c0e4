// The end of a session: the live parts are hidden, and so is everything left
// from before (waiting words, idle warning, notices). #ended says why it ended
// and what to do next (Zur Startseite, the hotline); for those who saw pages,
// #visited lists them (links to the original sites) under a header naming the
// operator, hotline, date and time and the advisor. The relay builds that list
// (ENDED); it can be printed (the print stylesheet keeps only #visited) or
// saved as a standalone HTML document named after the operator and the date.
// Focus moves to the heading so screen readers announce the end.

import { setLoading } from "./page_header.js";
import { setStatus } from "./status.js";
import { LANG, LOCALE, t } from "./i18n.js";

/** @typedef {import("./protocol.js").VisitedPage} VisitedPage */
/** @typedef {import("./protocol.js").VisitSummary} VisitSummary */

// What was last shown in #visited: the saved document is built from it.
/** @type {{visited: VisitedPage[], summary: VisitSummary | null}} */
const shown = { visited: [], summary: null };

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
 * Show the #ended section once: why the session ended (`reason`, a sentence
 * for the reader, may be empty) and the next step; hide the live-session
 * parts and drop every notice. Called again (the relay's ENDED and the
 * closing socket both end the view) it keeps focus where the person moved it
 * and only fills in a reason still missing.
 * @param {{hide?: string[], reason?: string}} [options]
 */
export function showEnded({ hide = [], reason = "" } = {}) {
  hideLiveParts(hide);
  document.getElementById("notices")?.replaceChildren();
  const ended = document.getElementById("ended");
  const because = document.getElementById("ended-reason");
  const heading = /** @type {HTMLElement | null} */ (ended?.querySelector("h1, h2, h3") ?? null);
  // a reason that only repeats the heading ("Die Sitzung ist beendet.") says nothing
  const repeats = reason.replace(/\.$/, "") === heading?.textContent?.trim();
  if (because && reason && !repeats && !because.textContent) because.textContent = reason;
  if (because) because.hidden = !because.textContent;
  if (ended && ended.hidden) {
    ended.hidden = false;
    if (heading && !heading.hasAttribute("tabindex")) heading.tabIndex = -1;
    heading?.focus();
  }
  setLoading(false);
  setStatus("ended");
}

/**
 * `YYYY-MM-DD` of a time in the browser's time zone.
 * @param {Date} date
 */
function isoDate(date) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The header lines of the list: [label, value] pairs (date and times in the
 * browser's time zone; no line for what the relay left empty).
 * @param {VisitSummary} summary
 * @returns {Array<[string, string]>}
 */
export function summaryLines(summary) {
  const start = new Date(summary.started_at * 1000);
  const end = new Date(summary.ended_at * 1000);
  const time = (/** @type {Date} */ d) => d.toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit" });
  const date = start.toLocaleDateString(LOCALE, { day: "2-digit", month: "2-digit", year: "numeric" });
  /** @type {Array<[string, string]>} */
  const lines = [[t("record_operator"), summary.operator]];
  if (summary.hotline) lines.push([t("record_hotline"), summary.hotline]);
  lines.push([t("record_date"), date]);
  lines.push([t("record_time"), t("record_time_range", { start: time(start), end: time(end) })]);
  lines.push([t("record_advisor"), summary.advisor || t("record_advisor_unnamed")]);
  return lines;
}

/**
 * One list item per page: its title as a link to the original site, its address below.
 * @param {Document} doc
 * @param {VisitedPage} page
 */
function visitedItem(doc, { url, title }) {
  const li = doc.createElement("li");
  const label = title || url;
  if (!isWebUrl(url)) {
    li.textContent = label;
    return li;
  }
  const a = doc.createElement("a");
  a.href = url;
  a.rel = "noopener noreferrer";
  a.target = "_blank";
  a.textContent = label;
  const address = doc.createElement("span");
  address.className = "visited-url";
  address.textContent = url;
  li.append(a, " ", address);
  return li;
}

/**
 * Fill #visited with the relay's list and its header; shown only when
 * pages were seen together.
 * @param {VisitedPage[]} visited
 * @param {VisitSummary | undefined} summary
 */
export function showVisited(visited, summary) {
  shown.visited = visited;
  shown.summary = summary ?? null;
  const box = document.getElementById("visited");
  const list = document.getElementById("visited-pages");
  const record = document.getElementById("visited-record");
  list?.replaceChildren(...visited.map((page) => visitedItem(document, page)));
  if (record) {
    const lines = summary ? summaryLines(summary) : [];
    record.replaceChildren(
      ...lines.flatMap(([label, value]) => {
        const dt = document.createElement("dt");
        dt.textContent = label;
        const dd = document.createElement("dd");
        dd.textContent = value;
        return [dt, dd];
      }),
    );
  }
  if (box) box.hidden = visited.length === 0;
}

// The saved document's own styles: readable on screen, clean on paper.
const DOCUMENT_CSS = `
body { font-family: system-ui, "Segoe UI", Roboto, Arial, sans-serif; font-size: 1.0625rem;
  line-height: 1.5; color: #1a1a1a; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0 0 1.5rem; }
dt { font-weight: 600; } dd { margin: 0; }
li { margin-bottom: 0.75rem; } a { color: #0b4f9c; font-weight: 600; }
.visited-url { display: block; color: #4b5563; overflow-wrap: anywhere; }
footer { margin-top: 2rem; color: #4b5563; font-size: 0.9rem; }
@media print { body { margin: 0; max-width: none; } a { color: #000; } li { break-inside: avoid; } }
`;

/**
 * The list as a standalone HTML document (text is escaped by the DOM; no script).
 * @param {VisitedPage[]} visited
 * @param {VisitSummary | null} summary
 * @returns {string}
 */
export function visitedDocument(visited, summary) {
  const title = summary ? `${t("visited_heading")} – ${summary.operator}` : t("visited_heading");
  const doc = document.implementation.createHTMLDocument(title);
  doc.documentElement.lang = LANG;
  const meta = doc.createElement("meta");
  meta.setAttribute("charset", "utf-8");
  const style = doc.createElement("style");
  style.textContent = DOCUMENT_CSS;
  doc.head.prepend(meta);
  doc.head.append(style);
  const main = doc.createElement("main");
  const h1 = doc.createElement("h1");
  h1.textContent = t("visited_heading");
  main.append(h1);
  if (summary) {
    const record = doc.createElement("dl");
    for (const [label, value] of summaryLines(summary)) {
      const dt = doc.createElement("dt");
      dt.textContent = label;
      const dd = doc.createElement("dd");
      dd.textContent = value;
      record.append(dt, dd);
    }
    main.append(record);
  }
  const list = doc.createElement("ol");
  list.append(...visited.map((page) => visitedItem(doc, page)));
  main.append(list);
  const footer = doc.createElement("footer");
  footer.textContent = t("visited_made_with");
  doc.body.append(main, footer);
  return "<!DOCTYPE html>\n" + doc.documentElement.outerHTML;
}

/**
 * The download's file name: the operator's name and the date, in letters a
 * file system takes everywhere ("besuchte-seiten-buergertelefon-2026-12-04.html").
 * @param {VisitSummary | null} summary
 */
export function visitedFileName(summary) {
  const plain = (summary?.operator ?? "")
    .toLowerCase()
    .replace(/ä/g, "ae")
    .replace(/ö/g, "oe")
    .replace(/ü/g, "ue")
    .replace(/ß/g, "ss")
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  const date = isoDate(summary ? new Date(summary.ended_at * 1000) : new Date());
  return t("visited_file", { operator: plain || "web-begleiter", date });
}

let exportWired = false;

/**
 * Wire "Drucken / als PDF speichern" and "Als Datei speichern" in `#ended`,
 * once per page: the console opens one session view after another, and the
 * buttons always act on the list shown last.
 */
export function wireVisitedExport() {
  if (exportWired) return;
  exportWired = true;
  document.getElementById("print-visited")?.addEventListener("click", () => window.print());
  document.getElementById("save-visited")?.addEventListener("click", () => {
    const text = visitedDocument(shown.visited, shown.summary);
    const blob = new Blob([text], { type: "text/html;charset=utf-8" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = visitedFileName(shown.summary);
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
}
