// Session lifecycle shared by both views: the waiting screen of a joiner who
// must be confirmed, the idle warning, and taking the visited pages home.

import { Msg } from "./protocol.js";
import { LANG, LOCALE, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

/**
 * A joiner waits: show the read-back words (or that the advisor must admit
 * them). Nothing of the session is shown until the relay lets them in.
 * @param {{phrase: ?string, reason: string}} body
 */
export function showWaiting({ phrase, reason }) {
  const box = $("waiting");
  if (!box) return;
  const text = $("waiting-text");
  const words = $("waiting-phrase");
  if (reason === "confirm" && phrase) {
    text.textContent = t("read_words");
    words.textContent = phrase;
    words.hidden = false;
  } else {
    text.textContent = t("please_wait");
    words.hidden = true;
  }
  box.hidden = false;
  $("view")?.setAttribute("hidden", "");
}

/** The relay let the joiner in: hide the waiting screen, show the view. */
export function hideWaiting() {
  const box = $("waiting");
  if (!box || box.hidden) return;
  box.hidden = true;
  $("view")?.removeAttribute("hidden");
}

/**
 * The session ends soon for lack of activity: offer to keep it (WCAG 2.2.1).
 * @param {{seconds: number}} body
 * @param {(type: number, body: object) => boolean} send
 */
export function showIdleWarning({ seconds }, send) {
  const box = $("idle-warning");
  if (!box) return;
  const minutes = Math.max(1, Math.round(seconds / 60));
  $("idle-text").textContent = t("idle_warning", { minutes });
  box.hidden = false;
  const extend = $("idle-extend");
  extend.onclick = () => {
    if (send(Msg.EXTEND, {})) box.hidden = true;
  };
  extend.focus();
}

export function hideIdleWarning() {
  const box = $("idle-warning");
  if (box) box.hidden = true;
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
  for (const a of document.querySelectorAll("#visited-pages a")) {
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
  $("print-visited")?.addEventListener("click", () => window.print());
  $("save-visited")?.addEventListener("click", () => {
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
