"""The German and English message catalogues (see :mod:`cobrowse.i18n`).

Ids are identifiers (templates use ``$t_<id>``); ``{name}`` marks a
parameter. Both catalogues must have the same ids with the same parameters
(``tests/test_i18n.py`` checks). Notice texts sent over the WebSocket have the
id ``notice_<key>`` so the browser client can show them in its own language.
"""

from __future__ import annotations

__all__ = ["DE", "EN"]

DE: dict[str, str] = {
    # layout
    "skip_link": "Zum Inhalt springen",
    "footer_nav": "Fußzeile",
    "nav_home": "Startseite",
    "nav_help": "Hilfe",
    "nav_imprint": "Impressum",
    "nav_privacy": "Datenschutz",
    "nav_easy": "Leichte Sprache",
    "nav_accessibility": "Barrierefreiheit",
    "lang_switch_label": "Sprache",
    "this_page": "diese Seite",
    # page titles
    "title_home": "Startseite",
    "title_session": "Gemeinsame Ansicht",
    "title_link": "Link der gemeinsamen Ansicht",
    "title_help": "Hilfe",
    "title_imprint": "Impressum",
    "title_privacy": "Datenschutz",
    "title_accessibility": "Erklärung zur Barrierefreiheit",
    "title_easy": "Leichte Sprache",
    "title_login": "Anmeldung",
    "title_console": "Beraterkonsole",
    "title_not_found": "Seite nicht gefunden",
    "title_error": "Fehler",
    # landing
    "landing_heading": "Gemeinsam eine Internetseite ansehen",
    "landing_lead": (
        "Ihre Beraterin oder Ihr Berater am Telefon nennt Ihnen einen Zugangscode. "
        "Geben Sie die sechs Ziffern hier ein. Dann sehen Sie beide dieselbe Seite."
    ),
    "code_label": "Zugangscode",
    "code_hint": "Sechs Ziffern, zum Beispiel 123 456",
    "join_button": "Los geht's",
    "join_agree": "Mit „Los geht's“ sind Sie damit einverstanden.",
    "consent_heading": "Was passiert dann?",
    "more_help": "Mehr dazu in der Hilfe",
    "stale_form_join": (
        "Das Formular war nicht mehr gültig. Bitte geben Sie den Zugangscode noch einmal ein."
    ),
    "not_in_session": "Sie sind in keiner Sitzung. Bitte geben Sie Ihren Zugangscode ein.",
    # citizen view
    "session_heading": "Gemeinsame Ansicht",
    "status_connecting": "Verbindung wird aufgebaut …",
    "leave": "Verlassen",
    "extend_session": "Sitzung verlängern",
    "waiting_hint": (
        "Sie sehen die Seite, sobald Ihre Beraterin oder Ihr Berater Sie bestätigt hat."
    ),
    "mirror_title": "Gemeinsam angezeigte Seite",
    "follow_text": (
        "Sie scrollen gerade selbst. Mit dem Knopf sehen Sie wieder die Stelle, die Ihre "
        "Beraterin oder Ihr Berater zeigt."
    ),
    "follow_button": "Dem Berater folgen",
    "ended_heading": "Die Sitzung ist beendet",
    "ended_citizen": (
        "Diese Seiten haben Sie gemeinsam angesehen. Sie können sie hier wieder öffnen:"
    ),
    "ended_advisor": "Diese Seiten wurden gemeinsam angesehen:",
    "print_list": "Drucken / als PDF speichern",
    "save_list": "Als Datei speichern",
    "to_home": "Zur Startseite",
    "ended_next": "Wie geht es weiter?",
    "ended_call": "Haben Sie noch Fragen? Rufen Sie uns an:",
    "ended_no_call": "Haben Sie noch Fragen? Dann rufen Sie bitte wieder bei uns an.",
    "visited_heading": "Gemeinsam angesehene Seiten",
    "consent_sees": (
        "Sie beide sehen dieselbe Seite. Ihre Beraterin oder Ihr Berater sieht nur "
        "diese gemeinsame Seite."
    ),
    "consent_not_shared": (
        "Ihr Bildschirm, Ihre anderen Fenster, Ihre Programme und Ihre Dateien "
        "werden nicht geteilt."
    ),
    "consent_nothing_installed": (
        "Sie müssen nichts installieren. Alles läuft nur in diesem Browserfenster."
    ),
    "consent_leave": "Sie können jederzeit auf „Verlassen“ klicken.",
    "consent_privacy": "Mehr dazu im Datenschutz",
    "easy_call": "Rufen Sie uns an. Unsere Telefon-Nummer ist:",
    "easy_ask": "Fragen Sie den Berater am Telefon.",
    "mirror_waiting": (
        "Bitte warten Sie einen Moment. Gleich erscheint hier die Seite, die Ihre Beraterin "
        "oder Ihr Berater öffnet. Sie sehen dann beide dasselbe."
    ),
    "mirror_waiting_advisor": (
        "Hier erscheint die gemeinsame Seite, sobald Sie eine Adresse öffnen. "
        "Alle in der Sitzung sehen dann dasselbe."
    ),
    "end_confirm_title": "Sitzung für alle beenden?",
    "end_confirm_text": (
        "Die gemeinsame Ansicht endet für alle Teilnehmenden. Die Bürgerin oder der Bürger "
        "sieht danach die Liste der besuchten Seiten."
    ),
    "end_confirm_no": "Weiter beraten",
    "end_confirm_yes": "Ja, Sitzung beenden",
    "resume_session": "Laufende Sitzung fortsetzen",
    "logout_confirm_title": "Die Sitzung läuft noch",
    "logout_confirm_text": (
        "Soll sie enden, oder wollen Sie sie nach der nächsten Anmeldung fortsetzen? "
        "Bis dahin sieht die Bürgerin oder der Bürger, dass Sie gerade nicht verbunden sind."
    ),
    "logout_confirm_no": "Angemeldet bleiben",
    "logout_confirm_keep": "Abmelden, Sitzung läuft weiter",
    "logout_confirm_end": "Sitzung beenden und abmelden",
    "back_heading": "Sie sind noch in einer Sitzung",
    "back_link": "Zurück zu Ihrer Sitzung",
    "link_heading": "Dieser Link gehört zur gemeinsamen Ansicht",
    "link_text": (
        "Links in der gemeinsamen Ansicht öffnet Ihre Beraterin oder Ihr Berater für Sie. "
        "Bitte schließen Sie dieses Fenster und kehren Sie zur gemeinsamen Ansicht zurück."
    ),
    # advisor login and console
    "login_heading": "Anmeldung für Beraterinnen und Berater",
    "username": "Benutzername",
    "password": "Passwort",
    "login_button": "Anmelden",
    "stale_form_login": "Das Formular war nicht mehr gültig. Bitte melden Sie sich noch einmal an.",
    "login_throttled": "Zu viele Versuche. Bitte warten Sie eine Minute.",
    "login_wrong": "Benutzername oder Passwort ist falsch.",
    "console_heading": "Beraterkonsole",
    "logged_in_as": "Angemeldet als",
    "new_session": "Neue Sitzung",
    "logout": "Abmelden",
    "session_region": "Sitzung",
    "new_code": "Neuen Code ziehen",
    "admissions_heading": "Beitrittswünsche",
    "participants_heading": "Teilnehmende",
    "people_toggle": "Wer ist dabei?",
    "lead_take_back": "Führung zurücknehmen",
    "end_session": "Sitzung beenden",
    "address_label": "Adresse",
    "open_button": "Öffnen",
    "shared_page_tools": "Gemeinsame Seite",
    "history_back": "Zurück",
    "history_forward": "Vor",
    "history_reload": "Neu laden",
    "highlight_mode": "Element markieren",
    "highlight_clear": "Markierung entfernen",
    "highlight_hint": (
        "Klicken Sie in der Seite auf das Element, das Sie markieren möchten. "
        "Mit Esc brechen Sie ab."
    ),
    "api_login_again": "Bitte melden Sie sich erneut an.",
    "api_rejected": "Die Anfrage wurde abgelehnt. Bitte laden Sie die Seite neu.",
    "api_session_gone": "Diese Sitzung gibt es nicht mehr.",
    # error pages
    "not_found_heading": "Diese Seite gibt es nicht",
    "not_found_text": "Bitte prüfen Sie die Adresse oder gehen Sie zur Startseite.",
    "error_heading": "Das hat leider nicht geklappt",
    "error_text": "Ein technischer Fehler ist aufgetreten. Bitte versuchen Sie es noch einmal.",
    "error_generic": "Es ist ein Fehler aufgetreten. Bitte versuchen Sie es noch einmal.",
    # join errors (JoinError.kind)
    "join_malformed": "Der Zugangscode besteht aus sechs Ziffern. Bitte prüfen Sie Ihre Eingabe.",
    "join_unknown": (
        "Zu diesem Zugangscode gibt es keine Sitzung. Bitte prüfen Sie die Ziffern "
        "oder fragen Sie Ihre Beraterin oder Ihren Berater nach dem Code."
    ),
    "join_expired": (
        "Dieser Zugangscode ist abgelaufen. Bitte bitten Sie Ihre Beraterin oder "
        "Ihren Berater um einen neuen Code."
    ),
    "join_throttled": (
        "Zu viele Versuche. Bitte warten Sie eine Minute und versuchen Sie es dann noch einmal."
    ),
    "join_full": "Diese Sitzung hat bereits die höchste Zahl an Teilnehmenden.",
    # notices sent to the session (key = notice key); fetch errors use FetchError.kind
    "notice_not_allowed": (
        "Diese Adresse ist für die gemeinsame Ansicht nicht freigegeben. Die bisherige "
        "Seite bleibt sichtbar. Öffnen Sie eine freigegebene Seite oder nennen Sie der "
        "Person die Adresse."
    ),
    "notice_invalid_url": (
        "Das ist keine gültige Internetadresse. Bitte prüfen Sie die Schreibweise, "
        "zum Beispiel www.beispiel.de."
    ),
    "notice_unreachable": (
        "Die Seite ist gerade nicht erreichbar. Sie sehen weiter die bisherige Seite. "
        "Bitte versuchen Sie es in einigen Minuten noch einmal."
    ),
    "notice_too_large": (
        "Die Seite ist zu groß, um sie gemeinsam anzuzeigen. Die bisherige Seite bleibt "
        "sichtbar. Öffnen Sie eine Unterseite oder nennen Sie der Person die Adresse."
    ),
    "notice_bad_status": (
        "Die Seite hat mit einem Fehler geantwortet. Sie sehen weiter die bisherige "
        "Seite. Bitte prüfen Sie die Adresse oder versuchen Sie es später noch einmal."
    ),
    "notice_unsupported": (
        "Das ist keine Internetseite, sondern zum Beispiel eine Datei (PDF). Sie kann "
        "nicht gemeinsam angezeigt werden. Nennen Sie der Person die Adresse; dann "
        "öffnet sie die Datei selbst."
    ),
    "notice_too_many_redirects": (
        "Die Seite leitet zu oft weiter und kann nicht angezeigt werden. "
        "Sie sehen weiter die bisherige Seite."
    ),
    "notice_bad_redirect": (
        "Die Seite leitet auf eine ungültige Adresse weiter (fehlerhafte Weiterleitung) "
        "und kann nicht angezeigt werden. Sie sehen weiter die bisherige Seite."
    ),
    "notice_render_queued": "Seite wird vorbereitet …",
    "notice_render_timeout": (
        "Die Seite braucht zu lange oder rechnet ununterbrochen und wurde angehalten. "
        "Sie sehen weiter die bisherige Seite. Bitte versuchen Sie es noch einmal."
    ),
    "notice_render_crashed": (
        "Die Seite hat zu viel Speicher gebraucht und wurde beendet. Sie sehen weiter "
        "die bisherige Seite. Die Beratung kann eine andere Seite öffnen."
    ),
    "notice_render_unavailable": (
        "Diese Seite kann gerade nicht vorbereitet werden. Sie sehen weiter die "
        "bisherige Seite. Bitte versuchen Sie es in einigen Minuten noch einmal."
    ),
    "notice_page_kept": (
        "Die gewünschte Seite kann gerade nicht gezeigt werden. Sie sehen weiter die "
        "bisherige Seite."
    ),
    "notice_handover_posted": (
        "Die Sitzung läuft jetzt über einen anderen Server. Diese Seite ist die Antwort "
        "auf ein abgeschicktes Formular und wurde nicht neu geladen, damit nichts doppelt "
        "gesendet wird. Links und Formulare funktionieren weiter. Schaltflächen, die die "
        "Skripte der Seite brauchen, reagieren erst, wenn Sie die Seite neu laden oder "
        "zurückgehen („Neu laden“ ruft die Adresse ohne die Formulardaten auf, „Zurück“ "
        "die Seite davor)."
    ),
    "notice_link_not_allowed": (
        "Dieser Link führt zu {host}. Diese Seite ist für die gemeinsame Ansicht "
        "nicht freigegeben und wird nicht geöffnet."
    ),
    "notice_download": (
        "Dieser Link führt zu einer Datei („{name}“), die nicht gemeinsam "
        "angezeigt werden kann. Sie können die Datei herunterladen und selbst öffnen. "
        "Die bisherige Seite bleibt sichtbar."
    ),
    "notice_download_pdf": (
        "Dieser Link führt zu einer Datei („{name}“, ein PDF-Dokument), die nicht gemeinsam "
        "angezeigt werden kann. Sie können die Datei herunterladen und selbst öffnen. "
        "Die bisherige Seite bleibt sichtbar."
    ),
    "download": "Herunterladen",
    "notice_extended": "Die Sitzung wurde verlängert.",
    "notice_bus_down": "Die Verbindung wird wiederhergestellt …",
    "notice_bus_up": "Die Verbindung ist wiederhergestellt.",
    "notice_confirm_wrong": (
        "Die Wörter stimmen nicht. Noch {n} Versuch(e). "
        "Bitte lassen Sie sie sich noch einmal vorlesen."
    ),
    "notice_confirm_failed": (
        "Die Wörter wurden dreimal falsch bestätigt. Die Person wurde entfernt und der "
        "Zugangscode ungültig gemacht. Bitte ziehen Sie einen neuen Code."
    ),
    "notice_denied": (
        "Die Person wurde abgelehnt. Der Zugangscode ist jetzt ungültig; "
        "ziehen Sie bei Bedarf einen neuen."
    ),
    "notice_removed": (
        "Die Person wurde entfernt. Der Zugangscode ist jetzt ungültig; "
        "ziehen Sie bei Bedarf einen neuen."
    ),
    "notice_lead_unknown": (
        "Diese Person ist nicht mehr in der Sitzung. Die Führung bleibt bei Ihnen."
    ),
    "notice_lead_pending": (
        "Diese Person wartet noch auf Einlass. Lassen Sie sie zuerst zu; "
        "bis dahin bleibt die Führung bei Ihnen."
    ),
    "notice_lead_away": "Diese Person ist gerade nicht verbunden. Die Führung bleibt bei Ihnen.",
    "notice_lead_elsewhere": (
        "Diese Person ist über einen anderen Server verbunden. Die Führung kann ihr "
        "gerade nicht übergeben werden; sie bleibt bei Ihnen."
    ),
    "notice_lead_not_yours": (
        "Sie führen gerade nicht. Nur Ihre Beraterin oder Ihr Berater kann jetzt Links öffnen."
    ),
    "notice_pipeline": (
        "Diese Seite kann nicht gemeinsam angezeigt werden. Sie sehen weiter die bisherige Seite."
    ),
    "notice_form_post_blocked": (
        "Dieses Formular sendet Daten ab. Das ist in der gemeinsamen Ansicht gesperrt."
    ),
    "download_unnamed": "Datei",
    "ws_foreign_origin": "WebSocket von fremder Herkunft abgelehnt.",
    # why a removed person is out (sessions.REMOVED_MESSAGES)
    "removed_denied": "Ihre Beraterin oder Ihr Berater hat den Beitritt abgelehnt.",
    "removed_removed": "Ihre Beraterin oder Ihr Berater hat Sie aus der Sitzung entfernt.",
    "removed_confirm_failed": (
        "Die Bestätigung hat nicht geklappt. Bitte fragen Sie nach einem neuen Code."
    ),
    "removed_left": "Sie haben die Sitzung verlassen.",
    "role_advisor": "Berater/in",
    "role_citizen": "Bürger/in",
    "role_guest": "Gast",
    # WebSocket close reasons (the client maps them back to its own language)
    "close_denied": "Die Sitzung ist beendet oder Sie sind nicht angemeldet.",
    "close_reload": "Bitte laden Sie die Seite neu.",
    "close_bad_login": "Ungültige Anmeldung.",
    "close_flood": "Zu viele Nachrichten.",
    "close_bad_message": "Ungültige Nachricht.",
    "close_incomplete": "Eine Nachricht kam nicht vollständig an.",
    "close_other_window": "Sie haben die Sitzung in einem anderen Fenster geöffnet.",
    "close_restart": "Der Dienst startet neu.",
    "close_ended": "Die Sitzung ist beendet.",
}

EN: dict[str, str] = {
    "skip_link": "Skip to content",
    "footer_nav": "Footer",
    "nav_home": "Home",
    "nav_help": "Help",
    "nav_imprint": "Legal notice",
    "nav_privacy": "Privacy",
    "nav_easy": "Easy read",
    "nav_accessibility": "Accessibility",
    "lang_switch_label": "Language",
    "this_page": "this page",
    "title_home": "Home",
    "title_session": "Shared view",
    "title_link": "Link of the shared view",
    "title_help": "Help",
    "title_imprint": "Legal notice",
    "title_privacy": "Privacy",
    "title_accessibility": "Accessibility statement",
    "title_easy": "Easy read",
    "title_login": "Sign in",
    "title_console": "Advisor console",
    "title_not_found": "Page not found",
    "title_error": "Error",
    "landing_heading": "Look at a web page together",
    "landing_lead": (
        "Your advisor on the phone tells you an access code. "
        "Enter the six digits here. Then you both see the same page."
    ),
    "code_label": "Access code",
    "code_hint": "Six digits, for example 123 456",
    "join_button": "Let's go",
    "join_agree": "By clicking “Let's go” you agree to this.",
    "consent_heading": "What happens next?",
    "more_help": "More about this in the help",
    "stale_form_join": "The form was no longer valid. Please enter the access code again.",
    "not_in_session": "You are not in a session. Please enter your access code.",
    "session_heading": "Shared view",
    "status_connecting": "Connecting …",
    "leave": "Leave",
    "extend_session": "Extend session",
    "waiting_hint": "You will see the page as soon as your advisor has confirmed you.",
    "mirror_title": "Shared page",
    "follow_text": (
        "You are scrolling yourself. Use the button to see the place your advisor shows again."
    ),
    "follow_button": "Follow the advisor",
    "ended_heading": "The session has ended",
    "ended_citizen": "You looked at these pages together. You can open them again here:",
    "ended_advisor": "These pages were viewed together:",
    "print_list": "Print / save as PDF",
    "save_list": "Save as file",
    "to_home": "To the home page",
    "ended_next": "What next?",
    "ended_call": "Any more questions? Call us:",
    "ended_no_call": "Any more questions? Then please call us again.",
    "visited_heading": "Pages viewed together",
    "consent_sees": "You both see the same page. Your advisor sees only this shared page.",
    "consent_not_shared": (
        "Your screen, your other windows, your programs and your files are not shared."
    ),
    "consent_nothing_installed": (
        "You do not need to install anything. Everything runs in this browser window only."
    ),
    "consent_leave": "You can click “Leave” at any time.",
    "consent_privacy": "More about privacy",
    "easy_call": "Call us. Our phone number is:",
    "easy_ask": "Ask the advisor on the phone.",
    "mirror_waiting": (
        "Please wait a moment. The page your advisor opens will appear here shortly. "
        "You will both see the same."
    ),
    "mirror_waiting_advisor": (
        "The shared page appears here as soon as you open an address. "
        "Everyone in the session then sees the same."
    ),
    "end_confirm_title": "End the session for everyone?",
    "end_confirm_text": (
        "The shared view ends for all participants. The citizen then sees the list "
        "of the pages visited."
    ),
    "end_confirm_no": "Keep advising",
    "end_confirm_yes": "Yes, end the session",
    "resume_session": "Resume the running session",
    "logout_confirm_title": "The session is still running",
    "logout_confirm_text": (
        "Should it end, or do you want to resume it after your next sign-in? "
        "Until then the citizen sees that you are not connected."
    ),
    "logout_confirm_no": "Stay signed in",
    "logout_confirm_keep": "Sign out, keep the session",
    "logout_confirm_end": "End the session and sign out",
    "back_heading": "You are still in a session",
    "back_link": "Back to your session",
    "link_heading": "This link belongs to the shared view",
    "link_text": (
        "Your advisor opens links in the shared view for you. "
        "Please close this window and return to the shared view."
    ),
    "login_heading": "Sign in for advisors",
    "username": "User name",
    "password": "Password",
    "login_button": "Sign in",
    "stale_form_login": "The form was no longer valid. Please sign in again.",
    "login_throttled": "Too many attempts. Please wait a minute.",
    "login_wrong": "User name or password is wrong.",
    "console_heading": "Advisor console",
    "logged_in_as": "Signed in as",
    "new_session": "New session",
    "logout": "Sign out",
    "session_region": "Session",
    "new_code": "Draw a new code",
    "admissions_heading": "Requests to join",
    "participants_heading": "Participants",
    "people_toggle": "Who is here?",
    "lead_take_back": "Take the lead back",
    "end_session": "End session",
    "address_label": "Address",
    "open_button": "Open",
    "shared_page_tools": "Shared page",
    "history_back": "Back",
    "history_forward": "Forward",
    "history_reload": "Reload",
    "highlight_mode": "Highlight element",
    "highlight_clear": "Remove highlight",
    "highlight_hint": (
        "Click the element in the page that you want to highlight. Press Esc to cancel."
    ),
    "api_login_again": "Please sign in again.",
    "api_rejected": "The request was rejected. Please reload the page.",
    "api_session_gone": "This session no longer exists.",
    "not_found_heading": "This page does not exist",
    "not_found_text": "Please check the address or go to the home page.",
    "error_heading": "Sorry, that did not work",
    "error_text": "A technical error occurred. Please try again.",
    "error_generic": "An error occurred. Please try again.",
    "join_malformed": "The access code has six digits. Please check your input.",
    "join_unknown": (
        "There is no session for this access code. Please check the digits "
        "or ask your advisor for the code."
    ),
    "join_expired": "This access code has expired. Please ask your advisor for a new code.",
    "join_throttled": "Too many attempts. Please wait a minute and then try again.",
    "join_full": "This session already has the maximum number of participants.",
    "notice_not_allowed": (
        "This address is not approved for the shared view. The previous page stays "
        "visible. Open an approved page or tell the person the address."
    ),
    "notice_invalid_url": (
        "This is not a valid web address. Please check the spelling, for example www.example.org."
    ),
    "notice_unreachable": (
        "The page cannot be reached right now. You still see the previous page. "
        "Please try again in a few minutes."
    ),
    "notice_too_large": (
        "The page is too large to show together. The previous page stays visible. Open "
        "a sub-page or tell the person the address."
    ),
    "notice_bad_status": (
        "The page answered with an error. You still see the previous page. "
        "Please check the address or try again later."
    ),
    "notice_unsupported": (
        "This is not a web page but, for example, a file (PDF). It cannot be shown "
        "together. Tell the person the address; they can then open the file themselves."
    ),
    "notice_too_many_redirects": (
        "The page redirects too often and cannot be shown. You still see the previous page."
    ),
    "notice_bad_redirect": (
        "The page redirects to an invalid address (a broken redirect) and cannot be "
        "shown. You still see the previous page."
    ),
    "notice_render_queued": "Preparing the page …",
    "notice_render_timeout": (
        "The page took too long or kept computing and was stopped. You still see the "
        "previous page. Please try again."
    ),
    "notice_render_crashed": (
        "The page needed too much memory and was stopped. You still see the previous "
        "page. The advisor can open another page."
    ),
    "notice_render_unavailable": (
        "This page cannot be prepared right now. You still see the previous page. "
        "Please try again in a few minutes."
    ),
    "notice_page_kept": (
        "The requested page cannot be shown right now. You still see the previous page."
    ),
    "notice_handover_posted": (
        "The session now runs through another server. This page is the answer to a "
        "sent form and was not loaded again, so that nothing is sent twice. Links and "
        "forms still work. Buttons that need the page's scripts react only after you "
        "load the page again or go back (“Reload” opens the address without the form "
        "data, “Back” the page before)."
    ),
    "notice_link_not_allowed": (
        "This link leads to {host}. That page is not approved for the shared view "
        "and will not be opened."
    ),
    "notice_download": (
        "This link leads to a file (“{name}”) that cannot be shown together. "
        "You can download the file and open it yourself. The previous page stays visible."
    ),
    "notice_download_pdf": (
        "This link leads to a file (“{name}”, a PDF document) that cannot be shown together. "
        "You can download the file and open it yourself. The previous page stays visible."
    ),
    "download": "Download",
    "notice_extended": "The session has been extended.",
    "notice_bus_down": "Reconnecting …",
    "notice_bus_up": "The connection is restored.",
    "notice_confirm_wrong": (
        "The words do not match. {n} attempt(s) left. Please have them read out again."
    ),
    "notice_confirm_failed": (
        "The words were confirmed wrongly three times. The person was removed and the "
        "access code revoked. Please draw a new code."
    ),
    "notice_denied": (
        "The person was declined. The access code is now invalid; draw a new one if needed."
    ),
    "notice_removed": (
        "The person was removed. The access code is now invalid; draw a new one if needed."
    ),
    "notice_lead_unknown": "That person is no longer in the session. You keep the lead.",
    "notice_lead_pending": (
        "That person is still waiting to be let in. Admit them first; until then you keep the lead."
    ),
    "notice_lead_away": "That person is not connected right now. You keep the lead.",
    "notice_lead_elsewhere": (
        "That person is connected through another server. The lead cannot be handed "
        "to them right now; you keep it."
    ),
    "notice_lead_not_yours": "You are not leading right now. Only your advisor can open links now.",
    "notice_pipeline": (
        "This page cannot be shown in the shared view. You still see the previous page."
    ),
    "notice_form_post_blocked": "This form sends data. That is blocked in the shared view.",
    "download_unnamed": "file",
    "ws_foreign_origin": "WebSocket from another site refused.",
    "removed_denied": "Your advisor declined your request to join.",
    "removed_removed": "Your advisor removed you from the session.",
    "removed_confirm_failed": "The confirmation did not work. Please ask for a new code.",
    "removed_left": "You have left the session.",
    "role_advisor": "Advisor",
    "role_citizen": "Citizen",
    "role_guest": "Guest",
    "close_denied": "The session has ended or you are not signed in.",
    "close_reload": "Please reload the page.",
    "close_bad_login": "Invalid sign-in.",
    "close_flood": "Too many messages.",
    "close_bad_message": "Invalid message.",
    "close_incomplete": "A message did not arrive completely.",
    "close_other_window": "You opened the session in another window.",
    "close_restart": "The service is restarting.",
    "close_ended": "The session has ended.",
}
