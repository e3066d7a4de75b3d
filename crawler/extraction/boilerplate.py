"""Rules that remove what is not the article from body paragraphs.

Removed: the headline repeated at the top, byline and date lines, ``ALSO READ | ...``
style lines, share/newsletter/comment prompts, lone photo credits, and trailing blocks
headed ``Related``/``Also Read``/``You may also like``. A paragraph that only mentions
such words mid-sentence stays: every rule matches a whole short paragraph or its start.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

#: How many paragraphs from the top may hold a repeated headline, byline or date line.
_HEAD_WINDOW = 6
#: A trailing block after a marker line is removed when its paragraphs are this short.
_TEASER_MAX_WORDS = 30

_MARKER = (
    r"also read|read also|read more|more to read|see also|related(?: (?:articles?|stories|"
    r"posts?|news|content|coverage|reading|links|topics))?|recommended(?: for you| stories"
    r"| articles| reading)?|you (?:may|might) also (?:like|enjoy|be interested in)|"
    r"more (?:from|on|stories|news|in)\b[^.!?]{0,40}|more stories|trending(?: now| stories)?|"
    r"most (?:read|popular|viewed)|don'?t miss|must read|top stories|latest news|"
    r"editor'?s picks?|watch(?: now| video)?|suggested (?:reading|articles)|what to read next|"
    r"further reading|keep reading|continue reading|popular (?:stories|now|articles)"
)
#: A whole paragraph that is only a section marker (``Related``, ``Also Read:``).
_MARKER_LINE = re.compile(rf"^\W*(?:{_MARKER})\W*$", re.IGNORECASE)
#: A marker followed by a separator and a link title: ``ALSO READ | ...``, ``Read more: ...``.
_MARKER_PREFIX = re.compile(rf"^\W*(?:{_MARKER})\s*(?:[|:>»–—\-]|\.\.\.)\s*\S", re.IGNORECASE)
_PROMPTS = re.compile(
    r"^\W*(?:"
    r"share (?:this|on|via|the article|the story|article|story)\b|share\W*$|tweet\W*$|"
    r"(?:click|tap) (?:here )?to (?:share|print|email|subscribe|follow|read|join)\b|"
    r"(?:facebook|twitter|x|whatsapp|linkedin|email|print|pinterest|reddit|telegram|copy link)"
    r"(?:\W+(?:facebook|twitter|x|whatsapp|linkedin|email|print|pinterest|reddit|telegram|"
    r"copy link))*\W*$|"
    r"follow us on\b|follow \S+ on (?:twitter|facebook|instagram|x)\b|"
    r"(?:sign up|subscribe|register)\b[^.!?]{0,80}\b(?:newsletter|inbox|updates|alerts|"
    r"digest|briefing)|subscribe (?:now|today|to (?:our|the))\b|"
    r"(?:get|receive) (?:the|our)\b[^.!?]{0,60}\b(?:newsletter|inbox)|"
    r"(?:\d+\s+)?comments?\W*$|(?:leave|post|add|view|show|load) (?:a |the |your )?"
    r"(?:\d+ )?comments?\b|join the (?:conversation|discussion)\b|"
    r"(?:photo|photograph|image|picture|pic|video|illustration|graphic)s?"
    r"(?: credits?| courtesy| source)?\s*[:|/]\s*\S[^.!?]{0,80}$|"
    r"(?:photo|image) (?:by|courtesy|credit)\b[^.!?]{0,80}$|"
    r"\(?(?:photo|image|file photo|representational image|representative image)"
    r"(?:\W+[^.!?]{0,60})?\)?\W*$|credit\s*:\s*\S[^.!?]{0,80}$|"
    r"(?:getty images|reuters|ap photo|afp|shutterstock)(?:\s*/\s*[^.!?]{0,40})?\W*$"
    r")",
    re.IGNORECASE,
)
_BYLINE_LINE = re.compile(
    r"^\W*(?:(?:written |reported |posted |edited )?by\s+\S[^.!?]{0,80}|"
    r"our (?:bureau|correspondent|staff)|staff (?:reporter|writer|correspondent)|"
    r"(?:pti|ani|ians|afp|ap|reuters|agencies|agency|press trust of india))\W*$",
    re.IGNORECASE,
)
_DATE_WORDS = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|mon(?:day)?|tue(?:s|sday)?|"
    r"wed(?:nesday)?|thu(?:rs|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?|am|pm|a\.m|p\.m|"
    r"ist|gmt|utc|edt|est|cet|cest|bst|pdt|pst|hrs|updated|published|posted|last|modified|on|"
    r"at|first|created|date|time|\d+(?:st|nd|rd|th)?)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\W_]+")


def comparable(text: str) -> str:
    """``text`` lower-cased with punctuation and spacing reduced, for loose equality."""
    return _WORD.sub(" ", text.casefold()).strip()


def strip_boilerplate(
    paragraphs: Sequence[str], headlines: Iterable[str | None], byline_lines: Iterable[str]
) -> tuple[str, ...]:
    """``paragraphs`` without the headline, byline/date lines and boilerplate."""
    kept = _strip_head(list(paragraphs), headlines, byline_lines)
    kept = [p for p in kept if not is_boilerplate_line(p)]
    return tuple(_strip_tail(kept))


def is_boilerplate_line(paragraph: str) -> bool:
    """True for an ``ALSO READ | ...`` link line, a share/newsletter prompt or a photo credit."""
    if len(paragraph.split()) > 40:
        return False
    return bool(_MARKER_PREFIX.match(paragraph) or _PROMPTS.match(paragraph))


def is_date_line(paragraph: str) -> bool:
    """True for a short line made only of date and time words (``08:36 AM, July 17, 2018``)."""
    if len(paragraph.split()) > 12 or not any(ch.isdigit() for ch in paragraph):
        return False
    return not _WORD.sub("", _DATE_WORDS.sub("", paragraph))


def is_byline_line(paragraph: str) -> bool:
    """True for a short ``By A and B`` / ``Our Bureau`` / agency line that is not a sentence."""
    return (
        len(paragraph.split()) <= 12
        and not paragraph.rstrip().endswith((".", "?", "!", ":"))
        and bool(_BYLINE_LINE.match(paragraph))
    )


def _strip_head(
    paragraphs: list[str], headlines: Iterable[str | None], byline_lines: Iterable[str]
) -> list[str]:
    titles = {comparable(h) for h in headlines if h and comparable(h)}
    bylines = {comparable(line) for line in byline_lines if comparable(line)}
    start = 0
    while start < min(len(paragraphs), _HEAD_WINDOW):
        paragraph = paragraphs[start]
        key = comparable(paragraph)
        if not (
            key in titles
            or key in bylines
            or not key
            or is_date_line(paragraph)
            or is_byline_line(paragraph)
            or any(line and line in key and len(key) < 2 * len(line) for line in bylines)
        ):
            break
        start += 1
    return paragraphs[start:]


def _strip_tail(paragraphs: list[str]) -> list[str]:
    """Drop marker lines; from the first marker whose followers are all teasers, drop the rest."""
    kept: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        if not _MARKER_LINE.match(paragraph):
            kept.append(paragraph)
            continue
        rest = paragraphs[index + 1 :]
        if all(len(p.split()) <= _TEASER_MAX_WORDS for p in rest):
            break
    return kept
