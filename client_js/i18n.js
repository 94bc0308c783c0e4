// Message catalogues of the browser client (German default, English).
// The language is the page's <html lang>, which the server sets from the
// language switch (see cobrowse/i18n.py). Ids named notice_<key> match the
// server's notice keys, so a notice is shown in the reader's language; the
// server's German `text` is the fallback. `{name}` marks a parameter.
// tests/test_i18n.py checks both languages have the same ids and parameters.

/** @type {{de: Record<string, string>, en: Record<string, string>}} */
export const CATALOGUES = {
  de: {
    status_connecting: "Verbindung wird aufgebaut …",
    status_connected: "Verbunden",
    status_reconnecting: "Verbindung wird wiederhergestellt …",
    status_ended: "Verbindung beendet",
    status_retry: "Verbindung unterbrochen – neuer Versuch in {seconds} s …",
    pointer_points: "{name} zeigt hierhin",
    presence_here: "Ihre Beraterin oder Ihr Berater ist verbunden",
    presence_away: "Ihre Beraterin oder Ihr Berater ist gerade nicht verbunden – bitte warten",
    presence_ended: "Ihre Beraterin oder Ihr Berater hat die Sitzung beendet",
    participant_connected: "verbunden",
    participant_away: "getrennt seit {time}",
    participant_joined: "{name} ist jetzt dabei.",
    participant_left: "{name} hat die Sitzung verlassen.",
    people_one: "1 Person",
    people_many: "{n} Personen",
    participant_dropped: "{name} ist nicht mehr verbunden.",
    participant_back: "{name} ist wieder verbunden.",
    closed_by_server: "Die Verbindung wurde vom Server beendet.",
    download: "Herunterladen",
    close_notice: "Hinweis schließen",
    page_loading: "Seite wird geladen …",
    you: "(Sie)",
    admission_title: "Neue Person möchte beitreten ({label})",
    admission_phrase: "Die Person sollte vorlesen: „{phrase}“",
    admission_question: "Welche zwei Wörter liest die Person vor?",
    admission_attempts: "Noch {n} Versuch(e).",
    admit: "Zulassen",
    deny: "Ablehnen",
    admit_words_ok: "Wörter stimmen – zulassen",
    confirm: "Bestätigen",
    waiting_suffix: " (wartet)",
    remove: "Entfernen",
    remove_label: "{name} entfernen",
    read_words: "Bitte lesen Sie Ihrem Berater diese Wörter vor:",
    please_wait: "Bitte warten Sie. Ihre Beraterin oder Ihr Berater lässt Sie gleich herein.",
    idle_warning: "Die Sitzung endet in etwa {minutes} Minute(n), weil nichts passiert ist.",
    visited_title: "Besuchte Seiten",
    visited_heading: "Gemeinsam angesehene Seiten",
    visited_file: "besuchte-seiten-{operator}-{date}.html",
    visited_made_with: "Erstellt mit dem Web-Begleiter. Die Links führen zu den Originalseiten.",
    record_operator: "Dienst",
    record_hotline: "Telefon",
    record_date: "Datum",
    record_time: "Uhrzeit",
    record_time_range: "{start} bis {end} Uhr",
    record_advisor: "Beratung",
    record_advisor_unnamed: "Ihre Beraterin oder Ihr Berater",
    ended_by_advisor: "Ihre Beraterin oder Ihr Berater hat die Sitzung beendet.",
    ended_by_timeout: "Die Sitzung wurde beendet, weil eine Zeit lang nichts passiert ist.",
    offline: "Keine Verbindung zur Sitzung. Bitte warten Sie einen Moment.",
    session_gone: "Diese Sitzung gibt es nicht mehr.",
    create_failed: "Die Sitzung konnte nicht angelegt werden. Bitte versuchen Sie es erneut.",
    server_unreachable: "Der Server ist nicht erreichbar. Bitte prüfen Sie die Netzwerkverbindung.",
    code_expired: "Der Code ist abgelaufen. Starten Sie bei Bedarf eine neue Sitzung.",
    code_valid_until: "Code gültig bis {time} Uhr (noch {minutes} Min.)",
    code_revoked: "Der Code ist ungültig. Ziehen Sie bei Bedarf einen neuen Code.",
    address_missing: "Bitte geben Sie eine Adresse ein.",
    link_blocked: "Dieser Link kann nicht geöffnet werden.",
    form_blocked: "Dieses Formular kann nicht gesendet werden.",
    links_advisor_only: "Nur Ihre Beraterin oder Ihr Berater kann Links öffnen.",
    outdated: "Diese Seite ist nicht mehr aktuell. Bitte laden Sie sie neu.",
    viewport_label: "Bürgeransicht {width} × {height}{scaled}",
    viewport_scaled: " (verkleinert auf {percent} %)",
    notice_not_allowed: "Diese Adresse ist für die gemeinsame Ansicht nicht freigegeben. Die bisherige Seite bleibt sichtbar. Öffnen Sie eine freigegebene Seite oder nennen Sie der Person die Adresse.",
    notice_invalid_url: "Das ist keine gültige Internetadresse. Bitte prüfen Sie die Schreibweise, zum Beispiel www.beispiel.de.",
    notice_unreachable: "Die Seite ist gerade nicht erreichbar. Sie sehen weiter die bisherige Seite. Bitte versuchen Sie es in einigen Minuten noch einmal.",
    notice_too_large: "Die Seite ist zu groß, um sie gemeinsam anzuzeigen. Die bisherige Seite bleibt sichtbar. Öffnen Sie eine Unterseite oder nennen Sie der Person die Adresse.",
    notice_bad_status: "Die Seite hat mit einem Fehler geantwortet. Sie sehen weiter die bisherige Seite. Bitte prüfen Sie die Adresse oder versuchen Sie es später noch einmal.",
    notice_unsupported: "Das ist keine Internetseite, sondern zum Beispiel eine Datei (PDF). Sie kann nicht gemeinsam angezeigt werden. Nennen Sie der Person die Adresse; dann öffnet sie die Datei selbst.",
    notice_too_many_redirects: "Die Seite leitet zu oft weiter und kann nicht angezeigt werden. Sie sehen weiter die bisherige Seite.",
    notice_bad_redirect: "Die Seite leitet auf eine ungültige Adresse weiter (fehlerhafte Weiterleitung) und kann nicht angezeigt werden. Sie sehen weiter die bisherige Seite.",
    notice_render_queued: "Seite wird vorbereitet …",
    notice_render_timeout: "Die Seite braucht zu lange oder rechnet ununterbrochen und wurde angehalten. Sie sehen weiter die bisherige Seite. Bitte versuchen Sie es noch einmal.",
    notice_render_crashed: "Die Seite hat zu viel Speicher gebraucht und wurde beendet. Sie sehen weiter die bisherige Seite. Die Beratung kann eine andere Seite öffnen.",
    notice_render_unavailable: "Diese Seite kann gerade nicht vorbereitet werden. Sie sehen weiter die bisherige Seite. Bitte versuchen Sie es in einigen Minuten noch einmal.",
    notice_page_kept: "Die gewünschte Seite kann gerade nicht gezeigt werden. Sie sehen weiter die bisherige Seite.",
    notice_handover_posted: "Die Sitzung läuft jetzt über einen anderen Server. Diese Seite ist die Antwort auf ein abgeschicktes Formular und wurde nicht neu geladen, damit nichts doppelt gesendet wird. Links und Formulare funktionieren weiter. Schaltflächen, die die Skripte der Seite brauchen, reagieren erst, wenn Sie die Seite neu laden oder zurückgehen („Neu laden“ ruft die Adresse ohne die Formulardaten auf, „Zurück“ die Seite davor).",
    notice_link_not_allowed: "Dieser Link führt zu {host}. Diese Seite ist für die gemeinsame Ansicht nicht freigegeben und wird nicht geöffnet.",
    notice_download: "Dieser Link führt zu einer Datei („{name}“), die nicht gemeinsam angezeigt werden kann. Sie können die Datei herunterladen und selbst öffnen. Die bisherige Seite bleibt sichtbar.",
    notice_download_pdf: "Dieser Link führt zu einer Datei („{name}“, ein PDF-Dokument), die nicht gemeinsam angezeigt werden kann. Sie können die Datei herunterladen und selbst öffnen. Die bisherige Seite bleibt sichtbar.",
    notice_extended: "Die Sitzung wurde verlängert.",
    notice_bus_down: "Die Verbindung wird wiederhergestellt …",
    notice_bus_up: "Die Verbindung ist wiederhergestellt.",
    notice_confirm_wrong: "Die Wörter stimmen nicht. Noch {n} Versuch(e). Bitte lassen Sie sie sich noch einmal vorlesen.",
    notice_confirm_failed: "Die Wörter wurden dreimal falsch bestätigt. Die Person wurde entfernt und der Zugangscode ungültig gemacht. Bitte ziehen Sie einen neuen Code.",
    notice_denied: "Die Person wurde abgelehnt. Der Zugangscode ist jetzt ungültig; ziehen Sie bei Bedarf einen neuen.",
    notice_removed: "Die Person wurde entfernt. Der Zugangscode ist jetzt ungültig; ziehen Sie bei Bedarf einen neuen.",
    notice_lead_unknown: "Diese Person ist nicht mehr in der Sitzung. Die Führung bleibt bei Ihnen.",
    notice_lead_pending: "Diese Person wartet noch auf Einlass. Lassen Sie sie zuerst zu; bis dahin bleibt die Führung bei Ihnen.",
    notice_lead_away: "Diese Person ist gerade nicht verbunden. Die Führung bleibt bei Ihnen.",
    notice_lead_elsewhere: "Diese Person ist über einen anderen Server verbunden. Die Führung kann ihr gerade nicht übergeben werden; sie bleibt bei Ihnen.",
    notice_lead_not_yours: "Sie führen gerade nicht. Nur Ihre Beraterin oder Ihr Berater kann jetzt Links öffnen.",
    lead_give: "Führung abgeben",
    lead_marker: "führt gerade",
    lead_give_label: "Führung abgeben an {name}",
    lead_self: "Sie führen jetzt. Klicken Sie auf Links, um gemeinsam weiterzugehen.",
    lead_other: "{name} führt gerade.",
    lead_advisor_view: "{name} führt gerade. Ihre Ansicht folgt dem Scrollen; Sie können weiterhin selbst Links öffnen.",
    lead_taken_back: "Ihre Beraterin oder Ihr Berater führt jetzt wieder.",
    notice_pipeline: "Diese Seite kann nicht gemeinsam angezeigt werden. Sie sehen weiter die bisherige Seite.",
    notice_form_post_blocked: "Dieses Formular sendet Daten ab. Das ist in der gemeinsamen Ansicht gesperrt.",
    removed_denied: "Ihre Beraterin oder Ihr Berater hat den Beitritt abgelehnt.",
    removed_removed: "Ihre Beraterin oder Ihr Berater hat Sie aus der Sitzung entfernt.",
    removed_confirm_failed: "Die Bestätigung hat nicht geklappt. Bitte fragen Sie nach einem neuen Code.",
    removed_left: "Sie haben die Sitzung verlassen.",
    role_advisor: "Berater/in",
    role_citizen: "Bürger/in",
    role_guest: "Gast",
    pointer_guest: "Gast {n}",
    close_denied: "Die Sitzung ist beendet oder Sie sind nicht angemeldet.",
    close_reload: "Bitte laden Sie die Seite neu.",
    close_bad_login: "Ungültige Anmeldung.",
    close_flood: "Zu viele Nachrichten.",
    close_bad_message: "Ungültige Nachricht.",
    close_incomplete: "Eine Nachricht kam nicht vollständig an.",
    close_other_window: "Sie haben die Sitzung in einem anderen Fenster geöffnet.",
    close_restart: "Der Dienst startet neu.",
    close_ended: "Die Sitzung ist beendet.",
  },
  en: {
    status_connecting: "Connecting …",
    status_connected: "Connected",
    status_reconnecting: "Reconnecting …",
    status_ended: "Connection ended",
    status_retry: "Connection lost – trying again in {seconds} s …",
    pointer_points: "{name} is pointing here",
    presence_here: "Your advisor is connected",
    presence_away: "Your advisor is not connected right now – please wait",
    presence_ended: "Your advisor has ended the session",
    participant_connected: "connected",
    participant_away: "disconnected since {time}",
    participant_joined: "{name} has joined.",
    participant_left: "{name} has left the session.",
    people_one: "1 person",
    people_many: "{n} people",
    participant_dropped: "{name} is no longer connected.",
    participant_back: "{name} is connected again.",
    closed_by_server: "The server ended the connection.",
    download: "Download",
    close_notice: "Close notice",
    page_loading: "Page is loading …",
    you: "(you)",
    admission_title: "A new person wants to join ({label})",
    admission_phrase: "The person should read out: “{phrase}”",
    admission_question: "Which two words does the person read out?",
    admission_attempts: "{n} attempt(s) left.",
    admit: "Admit",
    deny: "Decline",
    admit_words_ok: "Words match – admit",
    confirm: "Confirm",
    waiting_suffix: " (waiting)",
    remove: "Remove",
    remove_label: "Remove {name}",
    read_words: "Please read these words out to your advisor:",
    please_wait: "Please wait. Your advisor will let you in shortly.",
    idle_warning: "The session ends in about {minutes} minute(s) because nothing has happened.",
    visited_title: "Visited pages",
    visited_heading: "Pages viewed together",
    visited_file: "visited-pages-{operator}-{date}.html",
    visited_made_with: "Made with the Web-Begleiter. The links lead to the original pages.",
    record_operator: "Service",
    record_hotline: "Phone",
    record_date: "Date",
    record_time: "Time",
    record_time_range: "{start} to {end}",
    record_advisor: "Advice",
    record_advisor_unnamed: "Your advisor",
    ended_by_advisor: "Your advisor has ended the session.",
    ended_by_timeout: "The session was ended because nothing happened for a while.",
    offline: "No connection to the session. Please wait a moment.",
    session_gone: "This session no longer exists.",
    create_failed: "The session could not be created. Please try again.",
    server_unreachable: "The server cannot be reached. Please check the network connection.",
    code_expired: "The code has expired. Start a new session if needed.",
    code_valid_until: "Code valid until {time} ({minutes} min. left)",
    code_revoked: "The code is invalid. Draw a new code if needed.",
    address_missing: "Please enter an address.",
    link_blocked: "This link cannot be opened.",
    form_blocked: "This form cannot be sent.",
    links_advisor_only: "Only your advisor can open links.",
    outdated: "This page is out of date. Please reload it.",
    viewport_label: "Citizen view {width} × {height}{scaled}",
    viewport_scaled: " (scaled down to {percent} %)",
    notice_not_allowed: "This address is not approved for the shared view. The previous page stays visible. Open an approved page or tell the person the address.",
    notice_invalid_url: "This is not a valid web address. Please check the spelling, for example www.example.org.",
    notice_unreachable: "The page cannot be reached right now. You still see the previous page. Please try again in a few minutes.",
    notice_too_large: "The page is too large to show together. The previous page stays visible. Open a sub-page or tell the person the address.",
    notice_bad_status: "The page answered with an error. You still see the previous page. Please check the address or try again later.",
    notice_unsupported: "This is not a web page but, for example, a file (PDF). It cannot be shown together. Tell the person the address; they can then open the file themselves.",
    notice_too_many_redirects: "The page redirects too often and cannot be shown. You still see the previous page.",
    notice_bad_redirect: "The page redirects to an invalid address (a broken redirect) and cannot be shown. You still see the previous page.",
    notice_render_queued: "Preparing the page …",
    notice_render_timeout: "The page took too long or kept computing and was stopped. You still see the previous page. Please try again.",
    notice_render_crashed: "The page needed too much memory and was stopped. You still see the previous page. The advisor can open another page.",
    notice_render_unavailable: "This page cannot be prepared right now. You still see the previous page. Please try again in a few minutes.",
    notice_page_kept: "The requested page cannot be shown right now. You still see the previous page.",
    notice_handover_posted: "The session now runs through another server. This page is the answer to a sent form and was not loaded again, so that nothing is sent twice. Links and forms still work. Buttons that need the page's scripts react only after you load the page again or go back (“Reload” opens the address without the form data, “Back” the page before).",
    notice_link_not_allowed: "This link leads to {host}. That page is not approved for the shared view and will not be opened.",
    notice_download: "This link leads to a file (“{name}”) that cannot be shown together. You can download the file and open it yourself. The previous page stays visible.",
    notice_download_pdf: "This link leads to a file (“{name}”, a PDF document) that cannot be shown together. You can download the file and open it yourself. The previous page stays visible.",
    notice_extended: "The session has been extended.",
    notice_bus_down: "Reconnecting …",
    notice_bus_up: "The connection is restored.",
    notice_confirm_wrong: "The words do not match. {n} attempt(s) left. Please have them read out again.",
    notice_confirm_failed: "The words were confirmed wrongly three times. The person was removed and the access code revoked. Please draw a new code.",
    notice_denied: "The person was declined. The access code is now invalid; draw a new one if needed.",
    notice_removed: "The person was removed. The access code is now invalid; draw a new one if needed.",
    notice_lead_unknown: "That person is no longer in the session. You keep the lead.",
    notice_lead_pending: "That person is still waiting to be let in. Admit them first; until then you keep the lead.",
    notice_lead_away: "That person is not connected right now. You keep the lead.",
    notice_lead_elsewhere: "That person is connected through another server. The lead cannot be handed to them right now; you keep it.",
    notice_lead_not_yours: "You are not leading right now. Only your advisor can open links now.",
    lead_give: "Hand over the lead",
    lead_marker: "leading now",
    lead_give_label: "Hand over the lead to {name}",
    lead_self: "You are leading now. Click on links to go on together.",
    lead_other: "{name} is leading right now.",
    lead_advisor_view: "{name} is leading right now. Your view follows their scrolling; you can still open links yourself.",
    lead_taken_back: "Your advisor is leading again.",
    notice_pipeline: "This page cannot be shown in the shared view. You still see the previous page.",
    notice_form_post_blocked: "This form sends data. That is blocked in the shared view.",
    removed_denied: "Your advisor declined your request to join.",
    removed_removed: "Your advisor removed you from the session.",
    removed_confirm_failed: "The confirmation did not work. Please ask for a new code.",
    removed_left: "You have left the session.",
    role_advisor: "Advisor",
    role_citizen: "Citizen",
    role_guest: "Guest",
    pointer_guest: "Guest {n}",
    close_denied: "The session has ended or you are not signed in.",
    close_reload: "Please reload the page.",
    close_bad_login: "Invalid sign-in.",
    close_flood: "Too many messages.",
    close_bad_message: "Invalid message.",
    close_incomplete: "A message did not arrive completely.",
    close_other_window: "You opened the session in another window.",
    close_restart: "The service is restarting.",
    close_ended: "The session has ended.",
  },
};

/** The page language: "en" when <html lang> says English, else German. */
export const LANG = document.documentElement.lang?.toLowerCase().startsWith("en") ? "en" : "de";

/**
 * Whether the catalogue has a message `key` in the page language.
 * @param {string} key
 */
export function has(key) {
  return Object.hasOwn(CATALOGUES[LANG], key) || Object.hasOwn(CATALOGUES.de, key);
}

/**
 * The message `key` in the page language (German if missing there), with
 * `{name}` fields filled from `params`; the key itself if unknown.
 * @param {string} key
 * @param {Record<string, unknown>} [params]
 */
export function t(key, params = {}) {
  const text = CATALOGUES[LANG][key] ?? CATALOGUES.de[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (/** @type {string} */ field, /** @type {string} */ name) => (Object.hasOwn(params, name) ? String(params[name]) : field));
}

/**
 * The text to show for a server NOTICE body: the catalogue's message for its
 * id (`message`, else `notice_<key>`) when there is one, else the server's text.
 * @param {{key?: string, message?: string, text?: string, params?: Record<string, unknown>}} body
 */
export function noticeText(body) {
  const id = typeof body.message === "string" ? body.message : `notice_${body.key}`;
  const params = body.params && typeof body.params === "object" ? body.params : {};
  return body.key && has(id) ? t(id, params) : body.text ?? "";
}

/**
 * A German text the server sent without a key (e.g. a WebSocket close reason)
 * in the page language when the catalogue knows it, else unchanged.
 * @param {string} text
 */
export function serverText(text) {
  if (LANG === "de" || !text) return text;
  const key = Object.keys(CATALOGUES.de).find((k) => CATALOGUES.de[k] === text);
  return key ? t(key) : text;
}

/** Locale for dates and numbers. */
export const LOCALE = LANG === "en" ? "en-GB" : "de-DE";
