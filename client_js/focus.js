// Focus never falls to <body> (WCAG 2.4.3). When the focused control goes
// away — an admission decided, a participant removed, a button disabled or
// hidden — focus moves to its successor when the list was only redrawn (the
// same `data-focus-key`), else to the nearest `data-focus-home` of where it
// was: the id of the element to take it (a heading with tabindex="-1", a
// field). Where there is none, #main takes it. Clicking empty space is left
// alone: the control is still there.

/**
 * Watch the document and move focus home when its control disappears.
 * @param {Document} doc
 */
export function keepFocus(doc = document) {
  /** @type {HTMLElement | null} */
  let last = null;
  /** @type {string[]} */
  let homes = []; // ids, nearest first, taken while `last` was still in the page
  doc.addEventListener("focusin", (event) => {
    const el = event.target;
    if (!(el instanceof HTMLElement) || el === doc.body) return;
    last = el;
    homes = [];
    for (let at = el.closest("[data-focus-home]"); at; at = at.parentElement?.closest("[data-focus-home]") ?? null) {
      homes.push(/** @type {string} */ (/** @type {HTMLElement} */ (at).dataset.focusHome));
    }
  });
  const check = () => {
    if (!last || (doc.activeElement && doc.activeElement !== doc.body)) return;
    if (last.isConnected && !last.matches(":disabled") && last.checkVisibility()) return;
    const key = last.dataset.focusKey;
    const same = key
      ? [...doc.querySelectorAll(`[data-focus-key="${CSS.escape(key)}"]`)].find((el) => el !== last && el.checkVisibility())
      : null;
    if (same instanceof HTMLElement) {
      last = null;
      same.focus();
      return;
    }
    const home = [...homes, "main"]
      .map((id) => doc.getElementById(id))
      .find((el) => el && el !== last && el.checkVisibility());
    last = null;
    home?.focus();
  };
  new MutationObserver(check).observe(doc.body, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["hidden", "disabled"],
  });
}

/**
 * Ask before something that cannot be undone, in the page's own <dialog>
 * (not window.confirm: styled, translated, announced as a dialog). The
 * safe answer has the focus; Escape is "no". Resolves with the `value` of
 * the button chosen ("no" for Escape).
 * @param {HTMLDialogElement} dialog with submit buttons, one of them [value="no"]
 * @returns {Promise<string>}
 */
export function askWith(dialog) {
  return new Promise((resolve) => {
    const done = () => {
      // A "close" event is queued, not dispatched at once: the one from an
      // earlier Escape can arrive after the dialog was opened again. Only a
      // close that left the dialog closed answers this question.
      if (dialog.open) return;
      dialog.removeEventListener("close", done);
      resolve(dialog.returnValue || "no");
    };
    dialog.returnValue = "";
    dialog.addEventListener("close", done);
    dialog.showModal();
    /** @type {HTMLElement | null} */ (dialog.querySelector('[value="no"]'))?.focus();
  });
}
