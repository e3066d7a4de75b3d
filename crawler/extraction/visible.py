"""The byline and date lines a reader sees near the headline (and hinted ones elsewhere)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

import lxml.html

from crawler.extraction.authors import (
    has_byline_marker,
    is_organisation_byline,
    parse_byline,
)
from crawler.extraction.dates import (
    MAX_CANDIDATE_CHARS,
    AmbiguousDateError,
    DateContext,
    ParsedDate,
    read_date,
)
from crawler.extraction.page_regions import (
    Teasers,
    datelines,
    find_headline,
    has_author_hint,
    has_date_hint,
    hinted,
    hinted_inside,
    hints,
    is_off_article,
    labels,
    on_article,
    teasers,
)

#: Lines looked at before and after the headline.
LINES_BEFORE = 12
LINES_AFTER = 25
#: Lines read from one element before the headline (a long menu is not read to its end).
MAX_LINES_PER_ELEMENT = 200
#: Longer lines are body text, not bylines or datelines.
MAX_LINE_CHARS = 150
_SKIPPED = frozenset({"script", "style", "noscript", "nav", "form", "select", "button"})
_INLINE = frozenset(
    {
        "a",
        "span",
        "strong",
        "em",
        "b",
        "i",
        "u",
        "time",
        "small",
        "abbr",
        "font",
        "sup",
        "sub",
        "mark",
        "cite",
        "label",
        "bdi",
    }  # fmt: skip
)
_BYLINE_START = re.compile(
    r"^(?:by|von|par|written by|posted by|text|autor(?:in)?|author|auteur)\b\s*:?\s*\S", re.I
)
_NAME_LIKE = re.compile(r"^(?:[A-ZÀ-Ý][\w'’.-]+)(?: [A-ZÀ-Ý][\w'’.-]+){1,3}$")
_SENTENCE_END = re.compile(r"(?<![ap]\.m)[.!?\"”]$", re.I)
_MODIFIED_CUE = re.compile(
    r"\b(?:updated?|modified|last edited|aktualisiert|geändert|mis à jour|modifié)\b", re.I
)
#: A line that names its date the publication date (``Veröffentlicht am 16.08.2019``).
_PUBLISHED_LABEL = re.compile(
    r"^(?:veröffentlicht|erschienen|published|publié|publicado|pubblicato)\b", re.I
)
#: The same in class names and itemprops (``dateModified``, ``entry-updated``, ``lastmod``).
_MODIFIED_HINT = re.compile(r"updated|modified|lastmod|aktualisiert|geaendert", re.I)


@dataclass(frozen=True, slots=True)
class VisibleFacts:
    """The visible byline and dates, and the line texts they came from near the headline.

    ``published_near``: the date was found near the headline, or on a line labelled as the
    publication date (``Veröffentlicht am``). ``readings``: both readings of the first
    ambiguous numeric date seen (``02/10/2020``), for other evidence to resolve."""

    byline: str | None = None
    authors: tuple[str, ...] = ()
    published: ParsedDate | None = None
    modified: ParsedDate | None = None
    lines: tuple[str, ...] = ()
    ambiguous: bool = False
    headline: str | None = None
    published_near: bool = False
    byline_near: bool = False
    readings: tuple[ParsedDate, ...] = ()


@dataclass(slots=True)
class _Line:
    element: lxml.html.HtmlElement
    text: str


def read_visible(
    tree: lxml.html.HtmlElement, title: str | None, context: DateContext
) -> VisibleFacts:
    """Byline and dates from the lines around the headline (after it first, then before it,
    nearest first), then from hinted elements anywhere on the article."""
    state = _Finder(context)
    headline = find_headline(tree, title)
    if headline is not None:
        state.headline = " ".join(headline.text_content().split()) or None
    cards = teasers(tree, headline)
    for lines in _lines_near_headline(headline, cards):
        for index, line in enumerate(lines):
            dated = _could_be_dateline(line) and state.look_at_date(
                line.text, line.element, near=True
            )
            if _is_byline_line(line) or dated and has_byline_marker(line.text):
                state.take_byline(line.text, line)
            if not state.authors:
                for inner in hinted_inside(line.element) if len(line.element) else ():
                    if state.take_byline(_element_text(inner), line):
                        break
            if dated and not state.authors:
                _take_neighbour_name(state, lines, index)
    state.scanning_near = False
    if not state.authors:
        for label in on_article(labels(tree), cards):
            if state.take_byline(_labelled_line(label)):
                break
    if state.published is None:
        for element in on_article(datelines(tree), cards):
            if state.look_at_date(_first_line(element), element, near=False):
                break
    if state.authors and state.published is not None:
        return state.facts()
    author_hinted, date_hinted = hinted(tree)
    if not state.authors:
        for element in on_article(author_hinted, cards):
            text = _element_text(element)
            if state.take_byline(text):
                if state.published is None:  # "Gespeichert von X am 24. Juli 2017 - 18:55"
                    state.look_at_date(text, element, near=False)
                break
    if state.published is None:
        for element in on_article(date_hinted, cards):
            for text in _pieces(_element_text(element)):
                state.look_at_date(text, element, near=False)
            if state.published is not None:
                break
    return state.facts()


def _labelled_line(label: lxml.html.HtmlElement) -> str:
    """The line a label such as ``<strong>Autor:</strong>`` starts: the label, then its
    sibling text up to the next line break (or the parent's ``<dd>`` for ``<dt>``)."""
    if label.tag == "dt":
        following = label.getnext()
        return f"{label.text_content()} {following.text_content() if following is not None else ''}"
    parts = [label.text_content(), label.tail or ""]
    for sibling in label.itersiblings():
        if sibling.tag in ("br", "p", "div") or len(parts) > 8:
            break
        parts += [sibling.text_content(), sibling.tail or ""]
    return " ".join(" ".join(parts).split())


def _take_neighbour_name(state: _Finder, lines: list[_Line], index: int) -> None:
    """A plain name line right beside the date line is the byline (``Our Bureau`` style)."""
    for neighbour in (index - 1, index + 1):
        if 0 <= neighbour < len(lines) and _NAME_LIKE.match(lines[neighbour].text):
            state.take_byline(lines[neighbour].text, lines[neighbour])
            return


class _Finder:
    """What has been found so far while walking candidate lines."""

    def __init__(self, context: DateContext) -> None:
        self.context = context
        self.byline: str | None = None
        self.authors: tuple[str, ...] = ()
        self.published: ParsedDate | None = None
        self.modified: ParsedDate | None = None
        self.lines: list[str] = []
        self.ambiguous = False
        self.readings: tuple[ParsedDate, ...] = ()
        self.headline: str | None = None
        self.published_near = False
        self.byline_near = False
        self.scanning_near = True

    def take_byline(self, text: str, line: _Line | None = None) -> bool:
        """Takes the names in ``text``; ``line`` is the line near the headline it sits in."""
        if self.authors or not text or len(text) > MAX_LINE_CHARS:
            return False
        byline, authors = parse_byline(text)
        if not authors:
            return False
        self.byline, self.authors = byline, authors
        self.byline_near = self.scanning_near
        if line is not None:
            self._record(line.text, line.element)
        return True

    def _record(self, text: str, element: lxml.html.HtmlElement) -> None:
        """Keeps a line for the body engine to strip, and the block it sits in (the body's
        paragraph may be the whole ``<div>`` holding byline and date)."""
        block = _split_at_breaks(_block(element))
        for line in [text] + (block if len(block) == 1 else []):
            if line and line not in self.lines:
                self.lines.append(line)

    def look_at_date(self, text: str, element: lxml.html.HtmlElement, *, near: bool) -> bool:
        """Takes the dates of ``element``'s ``datetime`` stamps, else the date in ``text``;
        True if one of them was taken as the publication date."""
        if self.published is not None and self.modified is not None:
            return False
        results = []
        for stamp in _stamps(element):
            stamp_text = " ".join(stamp.text_content().split())
            modified = _says_modified(stamp, text if stamp is element else stamp_text)
            results.append(self._take(stamp.get("datetime"), stamp_text or text, modified))
        if not any(results):
            cue = _MODIFIED_CUE.search(text)
            if cue is not None and cue.start() > 0:  # "Published ... - Updated ..."
                first, second = text[: cue.start()].strip(" -|–—,;·"), text[cue.start() :]
                results = [self._take(first, first, False), self._take(second, second, True)]
            else:
                results = [self._take(text, text, _says_modified(element, text))]
        if near and ("published" in results or "modified" in results):
            self._record(text, element)
        return "published" in results

    def _take(self, candidate: str | None, raw: str, modified: bool) -> str | None:
        """What became of the date in ``candidate``: ``published``, ``modified``, ``unused``
        (a date, but both are already known), or None (no date)."""
        if not candidate or len(candidate) > MAX_CANDIDATE_CHARS:
            return None
        try:
            parsed = read_date(candidate, self.context)
        except AmbiguousDateError as error:
            self.ambiguous = True
            self.readings = self.readings or error.readings
            return None
        if parsed is None:
            return None
        parsed = ParsedDate(
            parsed.value, raw if len(raw) <= MAX_LINE_CHARS else candidate, parsed.tz
        )
        if modified and self.modified is None:
            self.modified = parsed
            return "modified"
        if not modified and self.published is None:
            self.published = parsed
            self.published_near = self.scanning_near
            return "published"
        return "unused"

    def facts(self) -> VisibleFacts:
        """What was found; a date line labelled as the publication date counts as near."""
        labelled = self.published is not None and _PUBLISHED_LABEL.match(self.published.raw)
        return VisibleFacts(self.byline, self.authors, self.published, self.modified,
                            tuple(self.lines), self.ambiguous, self.headline,
                            self.published_near or bool(labelled), self.byline_near,
                            self.readings)  # fmt: skip


def _lines_near_headline(
    headline: lxml.html.HtmlElement | None, teasers: Teasers
) -> tuple[list[_Line], list[_Line]]:
    """Lines after the headline (until the body has clearly begun) and before it, nearest
    first."""
    if headline is None:
        return [], []
    # lines inside the headline after its first: broken markup swallowing the byline
    after = [line for child in headline for line in _element_lines(child, teasers)]
    long_lines = 0
    for line in (
        line for element in _following(headline) for line in _element_lines(element, teasers)
    ):
        long_lines += len(line.text) >= MAX_LINE_CHARS
        after.append(line)
        if len(after) >= LINES_AFTER or long_lines > 2:
            break
    before: list[_Line] = []
    for element in _preceding(headline, headline.getparent()):
        before[:0] = list(islice(_element_lines(element, teasers), MAX_LINES_PER_ELEMENT))
        if len(before) >= LINES_BEFORE:
            break
    return after[:LINES_AFTER], before[::-1][:LINES_BEFORE]


def _preceding(
    headline: lxml.html.HtmlElement, parent: lxml.html.HtmlElement | None
) -> Iterator[lxml.html.HtmlElement]:
    yield from headline.itersiblings(preceding=True)
    if parent is not None:
        yield from parent.itersiblings(preceding=True)


def _following(element: lxml.html.HtmlElement) -> Iterator[lxml.html.HtmlElement]:
    """Elements after ``element`` in document order, siblings first, then up the tree."""
    current: lxml.html.HtmlElement | None = element
    while current is not None:
        yield from current.itersiblings()
        current = current.getparent()


def _element_lines(element: lxml.html.HtmlElement, teasers: Teasers) -> Iterator[_Line]:
    """The text lines of ``element``: leaf blocks split at ``<br>``; inline children standing
    alone (``<span>By X</span> <span>date</span>``) are lines of their own."""
    if (
        not isinstance(element.tag, str)
        or element.tag in _SKIPPED
        or element in teasers
        or is_off_article(element)
    ):
        return
    children = [child for child in element if isinstance(child.tag, str)]
    if all(child.tag in _INLINE or child.tag == "br" for child in children):
        if sum(child.tag != "br" for child in children) >= 2 and not _own_text(element):
            for child in children:
                yield from _element_lines(child, teasers)
            return
        for text in _split_at_breaks(element):
            yield _Line(element, text)
        return
    if element.text and element.text.strip():
        yield _Line(element, " ".join(element.text.split()))
    for child in children:
        yield from _element_lines(child, teasers)


def _block(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The nearest block (non-inline) element holding ``element``, or ``element``."""
    block = element
    while block.tag in _INLINE and block.getparent() is not None:
        block = block.getparent()
    return (
        block if len(block) <= 12 and len(block.text_content()) <= 2 * MAX_LINE_CHARS else element
    )


def _own_text(element: lxml.html.HtmlElement) -> str:
    """The element's text outside its children."""
    return "".join([element.text or ""] + [child.tail or "" for child in element]).strip()


def _split_at_breaks(element: lxml.html.HtmlElement) -> list[str]:
    """The element's text as lines, broken at every ``<br>``, nested ones too."""
    return [" ".join(part.split()) for part in _text_with_breaks(element).split("\0")
            if part.strip()]  # fmt: skip


def _text_with_breaks(element: lxml.html.HtmlElement) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag == "br":
            parts.append("\0")
        elif isinstance(child.tag, str):
            parts.append(_text_with_breaks(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _stamps(element: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The element and its ``<time>`` descendants that carry a ``datetime`` attribute."""
    stamps = [element] if element.get("datetime") else []
    stamps += [t for t in element.iterdescendants("time") if t.get("datetime")][:4]
    return stamps


def _says_modified(element: lxml.html.HtmlElement, text: str) -> bool:
    return bool(_MODIFIED_CUE.search(text) or _MODIFIED_HINT.search(hints(element)))


def _pieces(text: str) -> list[str]:
    """A hinted element's text, or its ``|``/``•``-separated parts when it is long."""
    if len(text) <= MAX_CANDIDATE_CHARS:
        return [text] if text else []
    return [part.strip() for part in re.split(r"[|•·]", text)[:6] if part.strip()]


def _could_be_dateline(line: _Line) -> bool:
    """A dateline is short and not a sentence, unless its element says it holds a date."""
    words = len(line.text.split())
    if words <= 6 or line.element.tag == "time" or line.element.get("datetime"):
        return True
    if has_date_hint(line.element):
        return True
    return words <= 14 and not _SENTENCE_END.search(line.text)


def _is_byline_line(line: _Line) -> bool:
    if _BYLINE_START.match(line.text) or is_organisation_byline(line.text):
        return True
    return has_author_hint(line.element)


def _first_line(element: lxml.html.HtmlElement) -> str:
    lines = _split_at_breaks(element)
    return lines[0] if lines else ""


def _element_text(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split()) if len(element) < 40 else ""
