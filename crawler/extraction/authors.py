"""Author names from bylines: split, strip prefixes, roles and glue, drop junk, de-duplicate."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

from crawler.extraction.dates import MONTH_NUMBERS

#: Agencies whose name after a person's is that person's employer (``Jane Doe, dpa``).
NEWS_AGENCIES = frozenset(
    {"pti", "ians", "ani", "reuters", "ap", "afp", "dpa", "apa", "epd", "kna", "sid", "upi",
     "associated press", "the associated press", "agence france-presse", "press trust of india"}
)  # fmt: skip
#: Bylines that name an organisation or a desk rather than a person; kept as the single author.
ORGANISATION_BYLINES = NEWS_AGENCIES | frozenset(
    {
        "our bureau", "our correspondent", "our special correspondent", "special correspondent",
        "staff reporter", "staff writer", "staff", "news desk", "web desk", "newsdesk",
        "news service", "express news service", "agencies", "agency", "bureau", "editorial",
        "editorial board", "the editorial board", "tnn", "redaktion", "la rédaction", "rédaction",
    }
)  # fmt: skip

#: Desk bylines made of staff/wire/agency words: ``Staff and wire reports``, ``Guardian staff
#: and agencies``, ``From staff and news service reports``.
_DESK_WORD = r"(?:staff|wire|news\s+services?|agenc(?:y|ies))"
_DESK_BYLINE = re.compile(
    rf"^(?:from\s+)?(?:[\w.-]+\s+)?{_DESK_WORD}(?:\s*(?:,|and|&)\s*{_DESK_WORD})*\s+reports?$"
    rf"|^(?:[\w.-]+\s+)?staff\s+(?:and|&)\s+{_DESK_WORD}$",
    re.I,
)

_MAX_NAME_CHARS = 60
_MAX_NAME_WORDS = 6
#: A "name" made only of these words is a label, a placeholder or a CMS account.
_JUNK_WORDS = frozenset(
    {
        "admin", "administrator", "unknown", "anonymous", "anonym", "guest", "user", "null",
        "none", "n/a", "na", "no", "author", "authors", "autor", "autorin", "auteur", "by",
        "von", "par", "webmaster", "editor", "posted", "written", "redakteur", "facebook",
        "twitter", "instagram", "linkedin", "email", "e-mail", "published", "updated",
        "veröffentlicht", "aktualisiert", "publiziert", "publié", "erstellt", "am", "on", "name",
        "datum", "date", "follow", "folgen", "share", "teilen", "neueste", "beiträge", "posts",
        "comments", "kommentare", "kommentar", "comment", "profile", "profil", "mehr", "more",
        "read", "lesen", "home", "startseite", "menu", "menü", "search", "suche", "login",
        "wordpressadmin", "wpadmin", "root", "test", "sitename", "website", "phd", "ph.d", "md",
        "m.d", "mba", "dr", "prof", "text", "texte", "foto", "fotos", "photo", "photos",
        "about", "the", "über", "den", "autoren", "kontakt", "kontaktieren", "contact",
        "kategorien", "kategorie", "categories", "category", "tags", "alle", "all", "artikel",
    }
)  # fmt: skip
_ROLE_NOUNS = (
    r"(?:writer|reporter|correspondent|editor|contributor|columnist|journalist|photographer"
    r"|analyst|producer|redakteur(?:in)?|korrespondent(?:in)?|journaliste|rédacteur|rédactrice"
    r"|envoyée? spéciale?"
    # German compound roles: Projektleiterin, Pressesprecher, Geschäftsführer, Fachreferentin
    r"|\w{3,}(?:leiter|sprecher|referent|führer|beauftragte|berater)(?:in|innen|r)?)s?"
)
_ROLE_ADJECTIVES = (
    r"(?:senior|chief|deputy|managing|executive|associate|contributing|special|foreign"
    r"|political|national|business|sports?|science|staff|guest|freelance|our|assistant"
    r"|digital|news|web|city|desk|[A-Z][\w.]+)"
)
_ROLE = (
    rf"(?:the\s+)?(?:{_ROLE_ADJECTIVES}\s+)*{_ROLE_NOUNS}"
    r"(?:\s+(?:at|for|of|bei|für|de|der|des)\s+.*)?"
)
_ROLE_ONLY = re.compile(rf"^{_ROLE}$", re.I)
#: A role glued after a name: ``Jane Doe, Staff Writer``, ``Jane Doe - Correspondent``.
_ROLE_AFTER_SEPARATOR = re.compile(rf"\s*[,|–—-]\s*{_ROLE}$", re.I)
#: A multi-word role glued without separator: ``Adam Aaronson PhillyVoice Staff``.
_STAFF_SUFFIX = re.compile(
    r"\s+(?:[\w.]+\s+)?(?:staff(?:\s+writer|\s+reporter)?|contributor)$", re.I
)
_DEGREES = re.compile(r",?\s+(?:ph\.?\s?d|m\.?d|mba|rd|ll\.?m|msc|m\.?a)\.?$", re.I)
_LABEL_VERBS = (
    r"(?:written|posted|reported|compiled|story|words|text|edited|published|submitted|interview"
    r"|photos?|article|artikel|beitrag|ein beitrag|ein artikel|geschrieben|erstellt|eingestellt"
    r"|gepostet|veröffentlicht|publiziert|gespeichert|verfasst|bearbeitet|pressemitteilung"
    r"|zum profil|publié|posté|écrit|rédigé|escrito|publicado)"
)
#: A label that may stand before ``von``/``by`` in capitals: ``Ein Artikel von X``.
_LABEL_PHRASE = re.compile(rf"^(?:{_LABEL_VERBS})$", re.I)
#: A person's name as printed: two to four capitalised words.
_PRINTED_NAME = re.compile(r"^[A-ZÀ-Ý][\w'’.-]+(?: (?:[a-z]{1,3} )?[A-ZÀ-Ý][\w'’.-]+){1,3}$")
#: The end of a label word: a word boundary, or a capital glued on (``ByAlex``, ``vonChris``).
_WORD_END = r"(?:\b|(?=(?-i:[A-ZÀ-Ý])))"
_PREFIX = re.compile(
    rf"^(?:{_LABEL_VERBS}\s*(?:by|von|par|por){_WORD_END}|(?:by|von){_WORD_END}|vom\b"
    r"|par\b|por\b|door\b|di\s+(?=(?-i:[A-Z]))|de\s+(?=(?-i:[A-ZÀ-Ý]))|from\b"
    rf"|(?:text|texte|autor(?:in|en|innen)?|authors?|auteurs?|interview|foto|fotos){_WORD_END}\s*:?"
    r"|(?:reporter|redaktion)\s*:)\s*:?\s*",
    re.I,
)
_SEPARATORS = re.compile(r"\s*(?:,|;|/|\s&\s|\band\b|\bund\b|\bet\b|\bsowie\b|\s+y\s+|\n)\s*", re.I)
_GLUE_SPLIT = re.compile(r"\s+[|•·—–]\s+|\s*\|\s*|\s+-\s+|\n")
_EMAIL = re.compile(r"\S+@\S+\.\w+|(?:https?://|www\.)\S+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
#: A host name (``stol.it``, ``example.com``), not an account name.
_DOMAIN = re.compile(r"\.(?:[a-z]{2}|com|net|org|info|html?)$")
_URLISH = re.compile(r"https?:|www\.|\.(?:com|net|org|de|fr|html?)\b", re.I)
_MONTH = "(?:" + "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True)) + r")\.?"
_DATEISH = re.compile(
    r"(?:\b(?:on|am|le|updated|published|posted|aktualisiert|veröffentlicht|publié|mis à jour"
    r"|stand|vor)\s*:?\s*)?(?:\b(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s*|\b(?:mon|diens"
    r"|donners|frei|sams|sonn)tag,?\s*|\bmittwoch,?\s*)?"
    rf"(?:\b\d{{1,2}}(?:st|nd|rd|th|er)?\.?\s*{_MONTH}(?!\w)|\b{_MONTH}\s+\d"
    r"|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}:\d\d|\b(?:19|20)\d\d\b|\b\d+\s+\w+\s+ago\b"
    r"|\bvor\s+\d+\s+\w+|\bil y a\s+\d)",
    re.I,
)
#: Labels after which a byline line goes on with something else (``| Kategorien: Event``).
_LABEL_CUT = re.compile(
    r"\b(?:kategorien?|categories|category|tags?|schlagworte|filed under|rubriken?|themen?)\s*:",
    re.I,
)
_BY_INSIDE = re.compile(r"\s(?:[Bb]y|[Vv]on|[Pp]ar)\s+(?=[A-ZÀ-Ý])")
#: Words that end a byline before the name's tail: ``Sara Zinnecker Stand 12.01.``.
_TAIL_NOISE = re.compile(
    r"\s+(?:stand|vor|am|um|on|at|le|den|ein kommentar|kommentare?|comments?|shares?|follow"
    r"|folgen|veröffentlicht|published|posted|gespeichert|publié|symbolbild.*|illustrations?\b.*"
    r"|foto\b.*|photo\b.*|bild\b.*|mehr\b.*|in\s+(?-i:[A-ZÄÖÜ])\S*"
    r"|(?:hora|fecha) de (?:publicaci[oó]n|actualizaci[oó]n)\b.*|publicado\b.*|actualizado\b.*)$",
    re.I,
)
#: ``X says`` / ``X sagt`` head comments, not articles.
#: A one-word account name with digits (``r23``, ``delta201``), not a date or a count.
_USERNAME = re.compile(r"^[^\W\d_][\w.-]*\d[\w.-]*$")
#: Credits and places that share a byline's markup: ``Fuchsy designed``, ``in Uncategorized``.
_NOT_A_NAME = re.compile(
    r"\b(?:designed|powered|theme|uncategorized|allgemein)\b|^(?:in|im)\b\s*:?", re.I
)
_PARTICLES = frozenset(
    {"von", "vom", "zu", "van", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le",
     "y", "e", "bin", "al", "ibn", "ten", "ter", "dos", "das"}
)  # fmt: skip
_COMMENT_HEAD = re.compile(r"\s(?:says|said|sagt|schreibt|meint|écrit|dice)\s*:?$", re.I)
#: A remark in brackets after a name: ``Samuel Diekmann (Sponsored Post)``.
_BRACKETED = re.compile(r"\s+\([^()]*\)?$")
_TRAILING = re.compile(r"^[\s,;:|•·—–(\[&-]+|[\s,;:|•·—–()\[\]-]+$")


def parse_byline(text: str) -> tuple[str | None, tuple[str, ...]]:
    """A byline as printed (dates and e-mails removed) and the author names in it: from the
    first part that names someone when the line has ``|``/``-``-separated parts."""
    for printed in _glue_parts(html.unescape(text) if "&" in text else text):
        unlabelled = _PREFIX.sub("", printed)
        if _DESK_BYLINE.match(unlabelled):
            return printed, (unlabelled[:1].upper() + unlabelled[1:],)
        authors = _without_agency_credit(clean_authors(_SEPARATORS.split(unlabelled)))
        if authors:
            return printed, authors
    return None, ()


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
        (roles if _ROLE_ONLY.match(name) else people).append(name)
    return tuple(people or roles[:1])


def is_organisation_byline(text: str) -> bool:
    """True for desk and agency bylines such as ``Our Bureau``, ``PTI``, ``Staff Reporter`` or
    ``Staff and wire reports``."""
    name = " ".join(_PREFIX.sub("", text).split()).strip(" .,:")
    return name.casefold() in ORGANISATION_BYLINES or _DESK_BYLINE.match(name) is not None


def printed_name(text: str) -> bool:
    """Whether ``text`` is a person's name as printed: two to four capitalised words, with
    at most name particles between them (``Jan van Dyk``, not ``Hofheim am Taunus``)."""
    return _PRINTED_NAME.match(text) is not None and all(
        word in _PARTICLES for word in text.split() if word[:1].islower()
    )


def is_handle_of(handle: str, name: str) -> bool:
    """Whether ``handle`` is the account name of ``name`` as printed: ``arianschlichenmayer``
    or ``gabor_munier`` for ``Arian Schlichenmayer`` or ``Gàbor Muniér`` (letters compared
    without accents; middle initials may be left out: ``christian.stadtfeld``)."""
    if " " in handle or " " not in name or not handle.islower() or _DOMAIN.search(handle):
        return False
    key = _letters(handle)
    full = [word for word in name.split() if len(word.strip(".")) > 1]
    return len(key) >= 5 and key in (_letters(name), _letters(" ".join(full)))


def _letters(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def has_byline_marker(text: str) -> bool:
    """True when a dateline names someone: after ``by``/``von``/``par`` (``Posted on ... by
    X``), or as its one part beside the date (``11.12.2019 - Amelie Loevenich``)."""
    return _marker_cut(text) is not None or _name_beside_date(text)


def _name_beside_date(text: str) -> bool:
    """``04.02.2022 | 13:10 Uhr | Uta Helkenberg``: ``|``/``-``-separated parts, all dates
    but one, which is a person's name as printed (two to four capitalised words)."""
    parts = [part.strip() for part in _GLUE_SPLIT.split(text) if part.strip()]
    names = [part for part in parts if not _DATEISH.search(part)]
    return (
        len(names) == 1
        and len(parts) > 1
        and printed_name(names[0])
        and clean_authors(_SEPARATORS.split(names[0])) == (names[0],)
    )


def _without_agency_credit(authors: tuple[str, ...]) -> tuple[str, ...]:
    """``Von David Hutzler, dpa``: an agency named last after people's full names is where
    they work, not a second author (``det/dpa`` keeps both: initials are no full name)."""
    if (
        len(authors) > 1
        and authors[-1].casefold() in NEWS_AGENCIES
        and all(" " in name and not is_organisation_byline(name) for name in authors[:-1])
    ):
        return authors[:-1]
    return authors


def _marker_cut(text: str) -> int | None:
    """Where ``by``/``von``/``par`` starts the name part of ``text``, when what precedes it is
    a label or a date (``Veröffentlicht am 10. Februar von X``), not a first name
    (``Alexa von Heyden``)."""
    match = _BY_INSIDE.search(text)
    if match is None:
        return None
    before = text[: match.start()]
    if _LABEL_PHRASE.match(before.strip()):  # ``Ein Artikel von X``: all of it is the byline
        return 0
    labelled = any(ch.isdigit() for ch in before) or any(w[:1].islower() for w in before.split())
    return match.start() if labelled or _DATEISH.search(before) else None


def _glue_parts(text: str) -> list[str]:
    """The parts of a byline line without dates, e-mails and handles, a ``By`` part first
    (``By A | July 17, 2018``, ``About the Author - A``)."""
    label = _LABEL_CUT.search(text)
    text = text[: label.start()] if label else text
    parts = []
    for part in _GLUE_SPLIT.split(_HANDLE.sub("", _EMAIL.sub("", text))):
        cut = _marker_cut(part)
        part = part[cut:] if cut is not None else part
        date = _DATEISH.search(part)
        part = _TRAILING.sub("", " ".join((part[: date.start()] if date else part).split()))
        if part:
            parts.append(part)
    return sorted(parts, key=lambda part: not _PREFIX.match(part))


def _reads_like_a_sentence(words: list[str]) -> bool:
    """``Nils Pickert writes about families``: several lower-case words that are not name
    particles (von, de, van, der...)."""
    lower = [w for w in words if w[:1].islower() and w.casefold() not in _PARTICLES]
    return len(words) >= 3 and len(lower) >= 2


def _clean_name(raw: str) -> str | None:
    name = _PREFIX.sub("", _TRAILING.sub("", _BRACKETED.sub("", raw.strip())))
    name = _TRAILING.sub("", " ".join(name.split()))
    if not name or _URLISH.search(name) or _COMMENT_HEAD.search(name):
        return None
    if not _ROLE_ONLY.match(name):
        for pattern in (_ROLE_AFTER_SEPARATOR, _STAFF_SUFFIX, _DEGREES, _TAIL_NOISE):
            stripped = _TRAILING.sub("", pattern.sub("", name))
            name = stripped or name
    words = name.split()
    if (
        all(word.casefold().strip(".:") in _JUNK_WORDS for word in words)
        or len(name) > _MAX_NAME_CHARS
        or len(words) > _MAX_NAME_WORDS
        or (any(ch.isdigit() for ch in name) and not _USERNAME.match(name))
        or sum(ch.isalpha() for ch in name) < 2
        or _NOT_A_NAME.search(name)
        or _reads_like_a_sentence(words)
    ):
        return None
    if name.isupper() and len(name) > 4 and name.casefold() not in ORGANISATION_BYLINES:
        name = name.title()
    return name
