// Title, address and loading state of the mirrored page above the mirror
// (#page-title, #page-url, #page-status).

import { Msg } from "./protocol.js";
import { t } from "./i18n.js";

/** @typedef {import("./protocol.js").Handlers} Handlers */

/**
 * Show the loading state of the mirrored page in #page-status.
 * @param {boolean} loading
 */
export function setLoading(loading) {
  const el = document.getElementById("page-status");
  if (el) el.textContent = loading ? t("page_loading") : "";
  document.querySelector(".mirror-wrap")?.setAttribute("aria-busy", String(loading));
}

/**
 * Show title and address of the mirrored page.
 * @param {{title?: string, url?: string}} page
 */
export function showPage({ title, url }) {
  const titleEl = document.getElementById("page-title");
  if (titleEl) titleEl.textContent = title || url || "";
  const urlEl = document.getElementById("page-url");
  if (urlEl) urlEl.textContent = url || "";
  setLoading(false);
}

/** @returns {Handlers} a new page (SNAPSHOT, or MUTATIONS with `navigate`) and LOADING */
export function pageHeaderFrames() {
  return {
    [Msg.SNAPSHOT]: showPage,
    [Msg.MUTATIONS]: (body) => {
      if (body.navigate) showPage(body.navigate); // the next page, as a diff
    },
    [Msg.LOADING]: (body) => setLoading(body.url !== null && body.url !== undefined), // nil: done or failed
  };
}
