"""Rules that remove what is not the article from body paragraphs (headline, byline, promos)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from crawler.extraction.body import Block

#: How many paragraphs from the top may hold a repeated headline, byline or date line.
_HEAD_WINDOW = 6
#: A trailing block after a marker line is removed when its paragraphs are this short.
_TEASER_MAX_WORDS = 30
#: Under a section marker, a block with this share of link text is a teaser.
_LISTED_LINK_SHARE = 0.5
#: A paragraph with this many words that ends a sentence is article text.
_SOLID_MIN_WORDS = 12
#: ... or this many characters, for scripts written without spaces.
_SOLID_MIN_CHARS = 40
#: A short block with at least this share of link text is a teaser link.
_TEASER_LINK_SHARE = 0.9

_MARKER = (
    r"also read|read also|read more|more to read|see also|related(?: (?:articles?|stories|"
    r"posts?|news|content|coverage|reading|links|topics))?|recommended(?: for you| stories"
    r"| articles| reading)?|you (?:may|might) also (?:like|enjoy|be interested in)|"
    r"more (?:from|on|stories|news|in)\b[^.!?]{0,40}|more stories|trending(?: now| stories)?|"
    r"most (?:read|popular|viewed)|don'?t miss|must read|top stories|latest news|"
    r"editor'?s picks?|watch(?: now| video)?|suggested (?:reading|articles)|what to read next|"
    r"further reading|keep reading|continue reading|popular (?:stories|now|articles)|tags?|"
    r"topics?|filed under|categories|more:?|"
    # German, French, Spanish, Italian, Portuguese
    r"mehr zum thema|lesen sie (?:auch|mehr)|auch interessant|das könnte sie (?:auch )?"
    r"interessieren|weitere artikel|mehr dazu|zum thema|"
    r"(?:à |a )?lire (?:aussi|également|la suite)|voir aussi|sur le même sujet|"
    r"le[ae] (?:también|más)|leer más|(?:te|le) puede interesar|noticias relacionadas|"
    r"leggi anche|potrebbe interessarti|articoli correlati|"
    r"leia (?:também|mais)|veja também|saiba mais"
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
    r"(?:this|the) (?:article|story|content|piece|report) is (?:only |exclusively )?"
    r"(?:for|available (?:to|for|only to)|reserved for|open to) (?:our )?(?:paid |premium )?"
    r"(?:subscribers|members)\b|subscribe\b[^.!?]{0,80}\bto (?:continue|keep) reading\b|"
    r"already (?:a |an )?(?:subscriber|member)\b|(?:for )?subscribers? only\W*$|"
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
_MONTHS = (
    r"jan(?:uary|vier|uar|eiro)?|feb(?:ruary|ruar)?|f[ée]v(?:rier)?|fevereiro|mar(?:ch|s|ço)?|"
    r"m[äa]rz|apr(?:il)?|avr(?:il)?|abril|may|mai|maio|mayo|june?|juin|juni|junho|july?|"
    r"juil(?:let)?|juli|julho|aug(?:ust)?|ao[uû]t|agosto|sept?(?:ember|embre)?|setembro|"
    r"oct(?:ober|obre)?|okt(?:ober)?|outubro|nov(?:ember|embre|embro)?|dec(?:ember)?|"
    r"d[ée]c(?:embre)?|dez(?:ember|embro)?|ene(?:ro)?|gennaio|enero|diciembre|dicembre"
)
#: What a date line may hold besides a month, a year or a numeric date.
_DATE_WORDS = re.compile(
    rf"\b(?:{_MONTHS}|mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs|rsday)?|fri(?:day)?|"
    r"sat(?:urday)?|sun(?:day)?|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|"
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|\w+-feira|s[áa]bado|domingo|"
    r"am|pm|a\.m|p\.m|ist|gmt|utc|edt|est|cet|cest|bst|pdt|pst|et|hrs|uhr|h|"
    r"updated|published|posted|last|modified|on|at|first|created|date|time|stand|"
    r"aktualisiert|veröffentlicht|publié|mis à jour|le|à|às|de|del|um|"
    r"publicado|atualizado|\d{1,2}h\d\d|\d+(?:st|nd|rd|th|er)?)\b",
    re.IGNORECASE,
)
_DATE_ANCHOR = re.compile(
    rf"\b(?:{_MONTHS})\b|\b(?:19|20)\d\d\b|\b\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}\b",
    re.IGNORECASE,
)
_READING_TIME = re.compile(
    r"^\W*(?:\d+\s*(?:min(?:ute)?s?|minutos?)\.?\s*(?:read|de leitura|de lectura|Lesezeit)|"
    r"(?:reading time|tempo de leitura|tiempo de lectura|temps de lecture|lesezeit|"
    r"lesedauer)\W*\d+\s*\w*)\W*$",
    re.IGNORECASE,
)
#: A heading that opens a promotion or a list of other stories.
_PROMO_HEADING = re.compile(
    r"\b(?:newsletters?|popular|trending|recommended|related|sponsored|podcast|subscribe|"
    r"sign up|most read|more from|more stories|you may also|around the web|partner)\b",
    re.IGNORECASE,
)
#: Lines that end an article page but are not the article: credits, contacts, promos.
_TAIL_LINE = re.compile(
    r"^\W*(?:"
    r"(?:additional |with additional |editing |writing |reporting |research )+by\b|"
    r"\(?reporting by\b|with (?:agency )?inputs?\b|"
    r"[^.!?]{0,120}\bcontributed(?: to)?(?: this)? (?:report(?:ing)?|story|article)\b|"
    r"(?:write|email|e-mail|contact|reach) (?:to )?(?:the )?(?:reporters?|writers?|authors?|"
    r"\w+(?: \w+){0,3}) (?:at|on|via)\b|have a (?:news )?tip\b|"
    r"follow (?:\w+(?:'s)? ){0,6}(?:on|at) (?:twitter|facebook|instagram|x|https?)\b|"
    r"more (?:ap|afp|reuters)\b|follow (?:ap|afp)'s\b|source\s*:|sources?\s*:\s*\w+|"
    r"copyright\b|©|\(c\) ?\d{4}|all rights reserved|"
    r"(?:like|enjoy|enjoyed) (?:this|the) (?:story|article)\b|if you (?:enjoyed|liked)\b|"
    r"thanks? (?:you )?for (?:signing up|subscribing|reading)\b|keep an eye on your inbox|"
    r"(?:sorry!?|an error has occurred|there was an error)\b|explore further\b|"
    r"updated (?:at|on)\b[^.!?]{0,40}$|listen to\b|download\s*:|"
    r"(?:this|the) (?:article|story) (?:has been|was) (?:sent|shared)\b|thank you\W*$|"
    r"premium(?: content| article| story)?\W*$"
    r")",
    re.IGNORECASE,
)
_CONTACT = re.compile(
    r"\W*(?:[\w.+-]+@[\w-]+\.[\w.]+|(?:https?://)?(?:www\.)?(?:twitter|x|facebook|instagram)"
    r"\.com/\S+|@\w+)\W*"
)
#: Tail lines longer than this are left alone.
_TAIL_MAX_WORDS = 60
_URL_LINE = re.compile(r"\s*https?://\S+\s*")
_WORD = re.compile(r"[\W_]+")
_SENTENCE_ENDS = (".", "!", "?", ".)", ".\u201d", '."', "\u2026", "\u3002", "\uff01", "\uff1f")
#: Share-button text glued to a pull quote: ``...the sentence.Click To Tweet``.
_SHARE_SUFFIX = re.compile(r"\s*(?:click|tap) to (?:tweet|share)\W*$", re.IGNORECASE)


def comparable(text: str) -> str:
    """``text`` lower-cased with punctuation and spacing reduced, for loose equality."""
    return _WORD.sub(" ", text.casefold()).strip()


@dataclass(frozen=True, slots=True)
class PageHints:
    """What the page says about itself, to recognise lines that are not body text.

    ``headlines``: every form of the headline; ``byline_lines``: visible byline/date lines;
    ``summaries``: the page's description(s), which a standfirst above the body repeats;
    ``above_headline``: short texts the page shows before its headline (site taglines,
    kickers), which are not article text when they open the body.
    """

    headlines: tuple[str, ...] = ()
    byline_lines: tuple[str, ...] = ()
    summaries: tuple[str, ...] = ()
    above_headline: tuple[str, ...] = ()


def strip_boilerplate(blocks: Sequence[Block], hints: PageHints) -> tuple[Block, ...]:
    """``blocks`` without the headline, byline/date lines and boilerplate.

    Removed: the headline repeated at the top, byline and date lines, ``ALSO READ | ...``
    style lines, share/newsletter/comment prompts, lone photo credits, teaser links, and
    trailing blocks headed ``Related``/``Also Read``/``You may also like``, credits and
    contacts. A paragraph that only mentions such words mid-sentence stays: every rule
    matches a whole short paragraph or its start.
    """
    kept = _strip_head([_without_share_suffix(b) for b in blocks], hints)
    kept = _strip_sections(kept)
    kept = [
        block
        for index, block in enumerate(kept)
        if not is_boilerplate_line(block.text) and not _is_lone_teaser(kept, index)
    ]
    return tuple(_strip_tail(_strip_link_runs(kept)))


def is_boilerplate_line(paragraph: str) -> bool:
    """True for an ``ALSO READ | ...`` link line, a share/newsletter prompt or a photo credit."""
    if len(paragraph.split()) > 40:
        return False
    return bool(_MARKER_PREFIX.match(paragraph) or _PROMPTS.match(paragraph))


def is_date_line(paragraph: str) -> bool:
    """True for a short line made only of date and time words (``08:36 AM, July 17, 2018``)."""
    if len(paragraph.split()) > 12 or not _DATE_ANCHOR.search(paragraph):
        return False
    return not _WORD.sub("", _DATE_WORDS.sub("", paragraph))


def is_byline_line(paragraph: str) -> bool:
    """True for a short ``By A and B`` / ``Our Bureau`` / agency line that is not a sentence."""
    return (
        len(paragraph.split()) <= 12
        and not paragraph.rstrip().endswith((".", "?", "!", ":"))
        and bool(_BYLINE_LINE.match(paragraph))
    )


def is_teaser_link(block: Block) -> bool:
    """True for a short block that is all link text and reads as a headline, not a sentence."""
    text = block.text
    return (
        block.link_share >= _TEASER_LINK_SHARE
        and len(text.split()) <= _TEASER_MAX_WORDS
        and not text.endswith(_SENTENCE_ENDS)
        and not text.startswith(("http://", "https://"))
        and "@" not in text
    )


def _without_share_suffix(block: Block) -> Block:
    text = _SHARE_SUFFIX.sub("", block.text)
    return block if text == block.text else Block(text, block.kind, block.link_share)


def _strip_head(blocks: list[Block], hints: PageHints) -> list[Block]:
    """Drop headings, kicker links and lines shown above the headline before the first
    paragraph, and headline/byline/date lines near the top. A standfirst written as
    sentences stays, even marked up as a heading, unless it repeats the page's description
    (which keeps it)."""
    titles = {key for h in hints.headlines if (key := comparable(h))}
    bylines = {key for line in hints.byline_lines if (key := comparable(line))}
    summaries = [key for text in hints.summaries if (key := comparable(text))]
    above = {key for text in hints.above_headline if (key := comparable(text))}
    start = 0
    while start < len(blocks) and (
        _is_heading_above(blocks[start], summaries)
        or (comparable(blocks[start].text) in above and not _is_solid(blocks[start]))
        or is_teaser_link(blocks[start])
        or _is_head_line(blocks[start].text, titles, bylines)
        or _URL_LINE.fullmatch(blocks[start].text)
    ):
        start += 1
    head = [
        block
        for block in blocks[start : start + _HEAD_WINDOW]
        if not _is_head_line(block.text, titles, bylines)
    ]
    return head + blocks[start + _HEAD_WINDOW :]


def _is_heading_above(block: Block, summaries: list[str]) -> bool:
    """A heading before the body: a short title, or a standfirst the description repeats."""
    if block.kind != "head":
        return False
    key = comparable(block.text)
    return not _is_solid(block) or any(key in s or s in key for s in summaries)


def _is_head_line(text: str, titles: set[str], bylines: set[str]) -> bool:
    key = comparable(text)
    return (
        key in titles
        or key in bylines
        or is_date_line(text)
        or is_byline_line(text)
        or bool(_READING_TIME.match(text))
        or any(line in key and len(key) < 2 * len(line) for line in bylines)
    )


def _strip_sections(blocks: list[Block]) -> list[Block]:
    """Drop marker lines (``Related``) with the teaser links after them.

    When nothing after a marker is a real paragraph (only teaser headlines), the rest is cut.
    """
    kept: list[Block] = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        index += 1
        if not _MARKER_LINE.match(block.text):
            kept.append(block)
            continue
        rest = blocks[index:]
        if not any(_is_solid(b) for b in rest):
            break
        while index < len(blocks) and _is_listed_teaser(blocks[index]):
            index += 1
    return kept


def _is_listed_teaser(block: Block) -> bool:
    """A block under a ``Related``-style marker: a teaser link, maybe with a label after it."""
    return is_teaser_link(block) or (
        block.link_share >= _LISTED_LINK_SHARE and not _is_solid(block)
    )


def _is_lone_teaser(blocks: list[Block], index: int) -> bool:
    """A teaser link standing alone between paragraphs (``SEE ALSO``-style cross-links).

    Runs of linked paragraphs inside the body (product lists, sources) stay.
    """
    if blocks[index].kind in ("item", "head") or not is_teaser_link(blocks[index]):
        return False
    neighbours = blocks[max(0, index - 1) : index] + blocks[index + 1 : index + 2]
    return not any(is_teaser_link(b) for b in neighbours)


def _strip_link_runs(blocks: list[Block]) -> list[Block]:
    """Drop teaser links before the first and after the last real paragraph."""
    solid = [i for i, block in enumerate(blocks) if _is_solid(block)]
    if not solid:
        return blocks
    first, last = solid[0], solid[-1]
    return [
        block
        for index, block in enumerate(blocks)
        if first <= index <= last or not is_teaser_link(block)
    ]


def _strip_tail(blocks: list[Block]) -> list[Block]:
    """Drop credits, contact lines, promos and section headings after the last real paragraph.

    A promo heading there (``Popular on ...``, ``... Newsletter``) is cut with all after it.
    """
    solid = [i for i, block in enumerate(blocks) if _is_solid(block)]
    if solid:
        for index in range(solid[-1] + 1, len(blocks)):
            block = blocks[index]
            if block.kind == "head" and (_PROMO_HEADING.search(block.text) or _is_tail_line(block)):
                blocks = blocks[:index]
                break
    end = len(blocks)
    while end > 0 and (_is_tail_line(blocks[end - 1]) or blocks[end - 1].kind == "head"):
        end -= 1
    return blocks[:end]


def _is_tail_line(block: Block) -> bool:
    text = block.text
    return (
        len(text.split()) <= _TAIL_MAX_WORDS
        and bool(_TAIL_LINE.match(text) or _CONTACT.fullmatch(text))
        or is_teaser_link(block)
        or is_boilerplate_line(text)
    )


def _is_solid(block: Block) -> bool:
    """A real paragraph: a sentence of some length that is mostly not link text."""
    text = block.text
    return (
        block.link_share < 0.5
        and (len(text.split()) >= _SOLID_MIN_WORDS or len(text) >= _SOLID_MIN_CHARS)
        and text.endswith(_SENTENCE_ENDS)
    )
