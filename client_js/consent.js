// Consent at the door: before anything of the session reaches this browser
// (the WebSocket is not even opened), the citizen reads what the advisor sees
// and what is not shared, and confirms with one button. Asked once per
// participant: a reload of the same tab does not ask again, a new join does.
// Focus starts on the notice's heading and moves to the page's main region
// once the notice is gone, so it never falls back to <body>.

const KEY = "cb_consent";

/** @returns {string | null} the participant who consented in this tab */
function remembered() {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null; // storage blocked: ask again
  }
}

/** @param {string | null} participant null: forget */
function remember(participant) {
  try {
    if (participant) sessionStorage.setItem(KEY, participant);
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage blocked: the notice is asked again after a reload
  }
}

/** The session is over: a later join in this tab asks again. */
export function forgetConsent() {
  remember(null);
}

/**
 * Show #consent (unless this participant already confirmed it in this tab);
 * once confirmed, show `reveal` and call `onConsent`.
 * @param {string[]} reveal selectors of the parts hidden until consent
 * @param {() => void} onConsent
 */
export function askConsent(reveal, onConsent) {
  const box = document.getElementById("consent");
  const ok = document.getElementById("consent-ok");
  const participant = box?.dataset.participant ?? "";
  const proceed = () => {
    if (box) box.hidden = true;
    for (const selector of reveal) {
      for (const el of document.querySelectorAll(selector)) /** @type {HTMLElement} */ (el).hidden = false;
    }
    onConsent();
  };
  if (!box || !ok || (participant && remembered() === participant)) {
    proceed();
    return;
  }
  // the template keeps the box hidden until here, so the button is never
  // shown (and clicked in vain) before its handler is wired
  box.hidden = false;
  document.getElementById("consent-heading")?.focus();
  ok.addEventListener(
    "click",
    () => {
      remember(participant);
      proceed();
      // the view starts at the top (status and "Verlassen"), as if just loaded
      document.getElementById("main")?.focus({ preventScroll: true });
      window.scrollTo(0, 0);
    },
    { once: true },
  );
}
