"""One exception tree for the relay.

Every error that can reach a user carries a German ``user_message`` saying
what to do next; the exception text itself is for logs only and must never
contain page content, access codes or IP addresses.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "CobrowseError",
    "ConfigError",
    "FetchError",
    "JoinError",
    "ProtocolError",
]


class CobrowseError(Exception):
    """Base of every relay error."""

    user_message = "Es ist ein Fehler aufgetreten. Bitte versuchen Sie es noch einmal."


class ConfigError(CobrowseError):
    """The configuration file is missing, malformed or has a bad value."""


class ProtocolError(CobrowseError):
    """A client sent a frame that violates the wire protocol."""


class JoinError(CobrowseError):
    """A join attempt with an access code failed; ``kind`` says why."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "malformed": "Der Zugangscode besteht aus sechs Ziffern. Bitte prüfen Sie Ihre Eingabe.",
        "unknown": (
            "Zu diesem Zugangscode gibt es keine Sitzung. Bitte prüfen Sie die Ziffern "
            "oder fragen Sie Ihre Beraterin oder Ihren Berater nach dem Code."
        ),
        "expired": (
            "Dieser Zugangscode ist abgelaufen. Bitte bitten Sie Ihre Beraterin oder "
            "Ihren Berater um einen neuen Code."
        ),
        "throttled": (
            "Zu viele Versuche. Bitte warten Sie eine Minute und versuchen Sie es dann noch einmal."
        ),
        "full": "Diese Sitzung hat bereits die höchste Zahl an Teilnehmenden.",
    }

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind
        self.user_message = self.MESSAGES[kind]


class FetchError(CobrowseError):
    """A page or resource could not be fetched; ``kind`` says why."""

    # Shown to everyone in the session, so they say what happened, that the
    # page shown so far stays, and what the advisor can do.
    MESSAGES: ClassVar[dict[str, str]] = {
        "not_allowed": (
            "Diese Adresse ist für die gemeinsame Ansicht nicht freigegeben. "
            "Sie sehen weiter die bisherige Seite. Die Beratung kann eine Seite "
            "des Ministeriums öffnen oder Ihnen die Adresse nennen."
        ),
        "invalid_url": (
            "Das ist keine gültige Internetadresse. Bitte prüfen Sie die Schreibweise, "
            "zum Beispiel www.beispiel.de."
        ),
        "unreachable": (
            "Die Seite ist gerade nicht erreichbar. Sie sehen weiter die bisherige Seite. "
            "Bitte versuchen Sie es in einigen Minuten noch einmal."
        ),
        "too_large": (
            "Die Seite ist zu groß, um sie gemeinsam anzuzeigen. Sie sehen weiter die "
            "bisherige Seite. Die Beratung kann eine Unterseite öffnen oder Ihnen die "
            "Adresse nennen."
        ),
        "bad_status": (
            "Die Seite hat mit einem Fehler geantwortet. Sie sehen weiter die bisherige "
            "Seite. Bitte prüfen Sie die Adresse oder versuchen Sie es später noch einmal."
        ),
        "unsupported": (
            "Das ist keine Internetseite, sondern zum Beispiel eine Datei (PDF). Sie kann "
            "nicht gemeinsam angezeigt werden. Die Beratung kann Ihnen die Adresse nennen; "
            "dann öffnen Sie die Datei selbst."
        ),
        "too_many_redirects": (
            "Die Seite leitet zu oft weiter und kann nicht angezeigt werden. "
            "Sie sehen weiter die bisherige Seite."
        ),
    }

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.user_message = self.MESSAGES[kind]
