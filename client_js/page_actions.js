// What a click in the mirror asks the relay to do: a link becomes CLICK, a
// form submission SUBMIT (its fields without the masked ones), a widget
// TOGGLE. The advisor's console and the citizen or guest who leads (lead.js)
// use the same functions, so the relay takes both down the same path
// (allowlist, SSRF guard, fetch, pipeline).

import { maskedNames } from "./forms.js";
import { t } from "./i18n.js";
import { currentPage, nodeIdOf } from "./mirror.js";
import { showNotice } from "./notices.js";
import { Msg } from "./protocol.js";

/** @typedef {import("./protocol.js").Send} Send */

/**
 * Field values of `form` as [name, value] pairs; files and masked fields (passwords) are never sent.
 * @param {HTMLFormElement} form
 * @param {HTMLElement | null} submitter
 * @returns {Array<[string, string]>}
 */
function formFields(form, submitter) {
  let data;
  try {
    data = new FormData(form, submitter ?? undefined);
  } catch {
    data = new FormData(form); // submitter not of this form, or an older browser
  }
  const masked = maskedNames(form);
  return /** @type {Array<[string, string]>} */ (
    [...data].filter(([name, value]) => typeof value === "string" && !masked.has(name))
  );
}

/**
 * @param {Send} send
 * @returns {{
 *   clickLink: (link: Element) => void,
 *   submitForm: (form: HTMLFormElement, submitter: HTMLElement | null) => void,
 *   toggleWidget: (widget: Element) => void,
 * }}
 */
export function pageActions(send) {
  return {
    clickLink(link) {
      const node = nodeIdOf(link);
      if (node === undefined) {
        showNotice(t("link_blocked"), { level: "warning", key: "link" });
        return;
      }
      send(Msg.CLICK, { node });
    },
    submitForm(form, submitter) {
      const node = nodeIdOf(form);
      if (node === undefined) {
        showNotice(t("form_blocked"), { level: "warning", key: "form" });
        return;
      }
      const fields = formFields(form, submitter);
      // The button's own formmethod/formaction live on the relay, under its node id.
      const button = submitter ? nodeIdOf(submitter) : undefined;
      send(Msg.SUBMIT, button === undefined ? { node, fields } : { node, fields, submitter: button });
    },
    // A widget (details, tab, disclosure button) was activated: the relay
    // changes the page for everyone.
    toggleWidget(widget) {
      const node = nodeIdOf(widget);
      const page = currentPage()?.page;
      if (node !== undefined && page !== undefined) send(Msg.TOGGLE, { page, node });
    },
  };
}
