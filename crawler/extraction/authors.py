"""Author names from bylines: split, strip prefixes, roles and glue, drop junk, de-duplicate."""

from __future__ import annotations

import re
from collections.abc import Iterable

from crawler.extraction.dates import MONTH_NUMBERS

#: Bylines that name an organisation or a desk rather than a person; kept as the single author.
ORGANISATION_BYLINES = frozenset(
    {
        "our bureau", "our correspondent", "our special correspondent", "special correspondent",
        "staff reporter", "staff writer", "staff", "news desk", "web desk", "newsdesk",
        "news service", "express news service", "agencies", "agency", "bureau", "editorial",
        "editorial board", "the editorial board", "pti", "ians", "ani", "tnn", "reuters", "ap",
        "afp", "dpa", "apa", "epd", "kna", "sid", "upi", "associated press", "the associated press",
        "agence france-presse", "press trust of india", "redaktion", "la rédaction", "rédaction",
    }
)  # fmt: skip

_MAX_NAME_CHARS = 60
_MAX_NAME_WORDS = 6
_JUNK = frozenset(
    {
        "admin", "administrator", "unknown", "anonymous", "anonym", "guest", "user", "null",
        "none", "n/a", "na", "author", "authors", "autor", "auteur", "by", "von", "par",
        "webmaster", "editor", "posted", "written", "redakteur", "facebook", "twitter", "email",
    }
)  # fmt: skip
_ROLE_WORDS = (
    r"(?:senior|chief|deputy|managing|executive|associate|contributing|special|foreign|political"
    r"|national|business|political|sports?|science|staff|guest|freelance|our|assistant|digital"
    r"|news|web|city|desk)?\s*(?:writer|reporter|correspondent|editor|contributor|columnist"
    r"|journalist|photographer|analyst|producer|redakteur(?:in)?|korrespondent(?:in)?"
    r"|journaliste|rédacteur|rédactrice|envoyée? spéciale?)s?"
)
_ROLE_SUFFIX = re.compile(rf"[\s,|–—-]+{_ROLE_WORDS}(?:\s+(?:at|for|of|bei|für|de)\s+.*)?$", re.I)
_ROLE_ONLY = re.compile(
    rf"^(?:the\s+)?{_ROLE_WORDS}(?:\s+(?:at|for|of|bei|für|de)\s+.*)?$", re.I
)
_PREFIX = re.compile(
    r"^(?:(?:written|posted|reported|compiled|story|words|text|edited|published|interview)"
    r"\s+(?:by|von)\b|by\b|von\b|par\b|de\s+(?=[A-ZÀ-Ý])|from\b|(?:text|texte|autor(?:in)?|"
    r"author|auteur|reporter|verfasst von|écrit par|redaktion|bearbeitet von)\s*:)\s*:?\s*",
    re.I,
)
_SEPARATORS = re.compile(r"\s*(?:,|;|\s&\s|\band\b|\bund\b|\bet\b|\bsowie\b|\n)\s*", re.I)
_GLUE_SPLIT = re.compile(r"\s+[|•·—–]\s+|\s*\|\s*|\s+-\s+|\n")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_URLISH = re.compile(r"https?:|www\.|\.(?:com|net|org|de|fr|html?)\b|/", re.I)
_MONTH = "(?:" + "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True)) + r")\.?"
_DATEISH = re.compile(
    r"(?:\b(?:on|am|le|updated|published|posted|aktualisiert|veröffentlicht|publié|mis à jour)"
    r"\s*:?\s*)?(?:\b(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s*|\b(?:mon|diens|donners"
    r"|frei|sams|sonn)tag,?\s*|\bmittwoch,?\s*)?"
    rf"(?:\b\d{{1,2}}(?:st|nd|rd|th|er)?\.?\s*{_MONTH}(?!\w)|\b{_MONTH}\s+\d"
    r"|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}:\d\d|\b(?:19|20)\d\d\b)",
    re.I,
)
_BY_INSIDE = re.compile(r"\s(?:[Bb]y|[Vv]on|[Pp]ar)\s+(?=[A-ZÀ-Ý])")
_TRAILING = re.compile(r"^[\s,;:|•·—–(\[-]+|[\s,;:|•·—–)\]-]+$")


def parse_byline(text: str) -> tuple[str | None, tuple[str, ...]]:
    """A byline as printed (dates and e-mails removed) and the author names in it."""
    printed = _strip_glue(text)
    authors = clean_authors(_SEPARATORS.split(_PREFIX.sub("", printed)))
    if not authors:
        return None, ()
    return printed, authors


def clean_authors(names: Iterable[str]) -> tuple[str, ...]:
    """Cleaned author names in order, case-insensitively unique; roles alone are kept only
    when no person is named (``Staff Reporter``)."""
    people: list[str] = []
    roles: list[str] = []
    seen: set[str] = set()
    for raw in names:
        name = _clean_name(raw)
        if name is None or name.casefold() in seen:
            continue
        seen.add(name.casefold())
        is_role = bool(_ROLE_ONLY.match(name))
        (roles if is_role else people).append(name)
    return tuple(people or roles[:1])


def is_organisation_byline(text: str) -> bool:
    """True for desk and agency bylines such as ``Our Bureau``, ``PTI`` or ``Staff Reporter``."""
    return " ".join(_PREFIX.sub("", text).split()).strip(" .,:").casefold() in ORGANISATION_BYLINES


def _strip_glue(text: str) -> str:
    """Drops date, e-mail and handle segments glued to a byline (``By A | July 17, 2018``)."""
    parts = []
    for part in _GLUE_SPLIT.split(_HANDLE.sub("", _EMAIL.sub("", text))):
        inside = _BY_INSIDE.search(part)
        part = part[inside.start() :] if inside else part
        cut = _DATEISH.search(part)
        part = _TRAILING.sub("", " ".join((part[: cut.start()] if cut else part).split()))
        if part:
            parts.append(part)
    return next((part for part in parts if _PREFIX.match(part)), parts[0] if parts else "")


def _clean_name(raw: str) -> str | None:
    name = _TRAILING.sub("", " ".join(_PREFIX.sub("", raw.strip()).split()))
    if not name or _URLISH.search(name):
        return None
    stripped = _ROLE_SUFFIX.sub("", name)
    if stripped and stripped != name and not _ROLE_ONLY.match(name):
        name = _TRAILING.sub("", stripped)
    if (
        name.casefold() in _JUNK
        or len(name) > _MAX_NAME_CHARS
        or len(name.split()) > _MAX_NAME_WORDS
        or any(ch.isdigit() for ch in name)
        or not any(ch.isalpha() for ch in name)
    ):
        return None
    if name.isupper() and len(name) > 4 and name.casefold() not in ORGANISATION_BYLINES:
        name = name.title()
    return name
