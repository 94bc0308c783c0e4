"""Read-back phrases: two common German words a joiner reads to the advisor.

A guessed code alone must show nothing. After a correct code the person sees
two words drawn at random (CSPRNG) from a list of short, common,
easy-to-pronounce words without umlauts; the advisor types what they hear on
the phone. 256 words give 65,536 phrases per join, and three wrong entries
remove the joiner.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

__all__ = ["WORDS", "draw_phrase", "phrase_matches"]

WORDS: tuple[str, ...] = tuple(
    """
    Abend Adler Affe Ahorn Anker Apfel Arzt Auto Bach Backe Bahn Ball Banane
    Bank Bart Bauer Baum Becher Berg Besen Bett Biene Bild Birne Blatt Blume
    Bohne Boot Brief Brille Brot Brunnen Buch Burg Butter Dach Dackel Decke
    Delfin Dorf Drache Dose Eimer Eis Elch Ente Erbse Esel Eule Faden Farbe
    Feder Feld Fenster Ferien Fisch Flasche Flug Fluss Frosch Fuchs Gabel Gans
    Garten Geige Geld Gitarre Glas Glocke Gold Gras Gurke Hafen Hafer Hahn Hals
    Hammer Hand Hase Haus Heft Held Helm Hemd Herbst Herz Himmel Hirsch Holz
    Honig Horn Hose Hund Hut Igel Insel Jacke Jahr Kaffee Kamel Kamm Kanne
    Karte Kasse Katze Kerze Kette Kino Kirsche Kiste Klee Knopf Koch Koffer
    Kohl Korb Kran Kreis Krone Kuchen Kugel Lampe Land Laterne Laub Leiter
    Licht Lied Linde Loch Lotse Luft Maler Mantel Markt Maus Meer Mehl Melone
    Messer Milch Minze Mond Moos Mosel Motor Muschel Nadel Nagel Name Nebel
    Nest Netz Nudel Ofen Onkel Oper Orange Palme Panda Papier Park Pferd
    Pilot Pilz Pinsel Platz Post Puppe Quelle Rabe Rad Radio Rasen Regen Reis
    Rose Ruder Saft Salat Salz Sand Schaf Schal Schiff Schuh Seife Sessel
    Sofa Sommer Sonne Spiegel Stern Stiefel Stift Stuhl Sturm Suppe Tafel
    Tanne Tante Tasche Tasse Taube Teller Tiger Tisch Tomate Topf Turm Uhr
    Ufer Vase Vogel Wagen Wald Wal Wand Wasser Welle Wiese Wind Winter Wolke
    Wolle Wurm Zahl Zange Zebra Zelt Ziege Zimmer Zitrone Zucker Zug Zwerg
    Adresse Ampel Anruf Atlas Birke Drossel Eiche Kakao Kiefer Kompass Lachs
    Leuchte Lupe Mauer Raupe Rinde Robbe Sattel Schnee Socke Spinne Tulpe
    """.split()
)


def draw_phrase() -> str:
    """Two distinct random words, e.g. ``"Sonne Garten"``."""
    first = secrets.choice(WORDS)
    second = secrets.choice(WORDS)
    while second == first:
        second = secrets.choice(WORDS)
    return f"{first} {second}"


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return re.sub(r"[^a-z]+", " ", text).strip()


def phrase_matches(expected: str, heard: str) -> bool:
    """Whether what the advisor typed is the phrase: case, spacing, punctuation
    and umlaut spelling do not matter; the words must be in order."""
    return bool(heard.strip()) and secrets.compare_digest(_fold(expected), _fold(heard))
