"""The byline and date lines a reader sees near the headline (and hinted ones elsewhere)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.html
from lxml import etree

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

#: Lines looked at before and after the headline.
LINES_BEFORE = 12
LINES_AFTER = 25
#: Longer lines are body text, not bylines or datelines.
MAX_LINE_CHARS = 150
#: An ``<article>`` with less text than this that does not hold the headline is a teaser.
MAX_TEASER_CHARS = 1000
#: Elements looked at for a headline that is not a heading element.
MAX_SCANNED = 3000
_TITLE_TAGS = frozenset({"div", "p", "span", "strong", "b", "td", "a", "h4", "h5", "h6", "font"})
#: Hinted elements looked at anywhere on the page.
MAX_HINTED = 60

_LOWER = "translate(concat(' ', @class, ' ', @id, ' ', @itemprop, ' ', @rel), " \
    "'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"  # fmt: skip
_AUTHOR_WORDS = ("author", "byline", "autor", "auteur", "writer", "byl ", "verfasser",
                 "posted-by", "submitted", "reporter", "journalist", "vcard")  # fmt: skip
_DATE_WORDS = ("date", "time", "posted", "publish", "datum", "dateline", "meta", "updated",
               "zeit", "created", "stamp")  # fmt: skip
_SKIP_TAGS = "not(self::script or self::style or self::meta or self::link or self::img)"


def _hint_xpath(words: tuple[str, ...]) -> etree.XPath:
    tests = " or ".join(f"contains({_LOWER}, '{word}')" for word in words)
    return etree.XPath(f"//body//*[{_SKIP_TAGS}][{tests}]")


_AUTHOR_HINTED = _hint_xpath(_AUTHOR_WORDS)
_AUTHOR_INSIDE = etree.XPath(
    ".//*[" + " or ".join(f"contains({_LOWER}, '{word}')" for word in _AUTHOR_WORDS) + "]"
)
_LABEL_WORDS = ("autor", "autorin", "autoren", "text", "texte", "von", "author", "authors", "by",
                "written by", "verfasst von", "geschrieben von", "auteur", "par", "redaktion",
                "reporter", "posted by", "bericht")  # fmt: skip
_LABELS = etree.XPath(
    "//body//*[self::strong or self::b or self::span or self::em or self::dt or self::label"
    " or self::i or self::small][translate(normalize-space(translate(text(), ':', '')),"
    " 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') = '"
    + "' or translate(normalize-space(translate(text(), ':', '')), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
    " 'abcdefghijklmnopqrstuvwxyz') = '".join(_LABEL_WORDS)
    + "']"
)
_DATE_HINTED = etree.XPath(f"//body//time | {_hint_xpath(_DATE_WORDS).path}")
#: Class/id words of page parts that are not the article (their dates and names are not its).
_OFF_WORDS = (
    "comment", "related", "recommend", "popular", "trending", "most-read", "newsletter",
    "site-footer", "menu", "reply", "kommentar", "respond",
)  # fmt: skip
#: Layout words that mark the page's side columns, but an article's own side column inside
#: its ``<article>`` (holding its date and author) when nested there.
_LAYOUT_WORDS = ("sidebar", " widget ", "widget_", "widget-area")
_OFF_ARTICLE = etree.XPath(
    "ancestor-or-self::*[not(self::body or self::html or self::article or self::main)][self::nav"
    " or ((self::aside or self::footer) and not(ancestor::article)) or @id='footer' or "
    + " or ".join(f"contains({_LOWER}, '{word}')" for word in _OFF_WORDS)
    + " or (not(ancestor::article) and ("
    + " or ".join(f"contains({_LOWER}, '{word}')" for word in _LAYOUT_WORDS)
    + "))]"
)
_HEADLINES = etree.XPath("//body//*[self::h1 or self::h2 or self::h3 or ((self::div or self::p"
                         " or self::span) and contains(" + _LOWER + ", 'headline'))]")  # fmt: skip
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
#: The same in class names and itemprops (``dateModified``, ``entry-updated``, ``lastmod``).
_MODIFIED_HINT = re.compile(r"updated|modified|lastmod|aktualisiert|geaendert", re.I)


@dataclass(frozen=True, slots=True)
class VisibleFacts:
    """The visible byline and dates, and the line texts they came from near the headline."""

    byline: str | None = None
    authors: tuple[str, ...] = ()
    published: ParsedDate | None = None
    modified: ParsedDate | None = None
    lines: tuple[str, ...] = ()
    ambiguous: bool = False
    headline: str | None = None
    published_near: bool = False


Teasers = frozenset[lxml.html.HtmlElement]


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
    headline = _headline(tree, title)
    if headline is not None:
        state.headline = " ".join(headline.text_content().split()) or None
    teasers = _teasers(tree, headline)
    for lines in _lines_near_headline(headline, teasers):
        for index, line in enumerate(lines):
            dated = _could_be_dateline(line) and state.look_at_date(
                line.text, line.element, near=True
            )
            if _is_byline_line(line) or dated and has_byline_marker(line.text):
                state.take_byline(line.text, line)
            if not state.authors:
                for inner in _AUTHOR_INSIDE(line.element)[:3]:
                    if state.take_byline(_element_text(inner), line):
                        break
            if dated and not state.authors:
                _take_neighbour_name(state, lines, index)
    state.scanning_near = False
    if not state.authors:
        for label in _on_article(_LABELS(tree), teasers):
            if state.take_byline(_labelled_line(label)):
                break
    if not state.authors:
        for element in _on_article(_AUTHOR_HINTED(tree), teasers):
            if state.take_byline(_element_text(element)):
                break
    if state.published is None:
        for element in _on_article(_DATE_HINTED(tree), teasers):
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
        self.headline: str | None = None
        self.published_near = False
        self.scanning_near = True

    def take_byline(self, text: str, line: _Line | None = None) -> bool:
        """Takes the names in ``text``; ``line`` is the line near the headline it sits in."""
        if self.authors or not text or len(text) > MAX_LINE_CHARS:
            return False
        byline, authors = parse_byline(text)
        if not authors:
            return False
        self.byline, self.authors = byline, authors
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
        except AmbiguousDateError:
            self.ambiguous = True
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
        return VisibleFacts(self.byline, self.authors, self.published, self.modified,
                            tuple(self.lines), self.ambiguous, self.headline,
                            self.published_near)  # fmt: skip


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
    for element in _following(headline):
        for line in _element_lines(element, teasers):
            long_lines += len(line.text) >= MAX_LINE_CHARS
            after.append(line)
        if len(after) >= LINES_AFTER or long_lines > 2:
            break
    before: list[_Line] = []
    parent = headline.getparent()
    for element in _preceding(headline, parent):
        before[:0] = list(_element_lines(element, teasers))
        if len(before) >= LINES_BEFORE:
            break
    return after[:LINES_AFTER], before[::-1][:LINES_BEFORE]


def _preceding(
    headline: lxml.html.HtmlElement, parent: lxml.html.HtmlElement | None
) -> Iterator[lxml.html.HtmlElement]:
    yield from headline.itersiblings(preceding=True)
    if parent is not None:
        yield from parent.itersiblings(preceding=True)


def _headline(tree: lxml.html.HtmlElement, title: str | None) -> lxml.html.HtmlElement | None:
    """The heading that best matches the title, else any short element that does (a
    ``<div class="h">`` headline), else the first ``<h1>``."""
    wanted = _comparable(title or "")
    candidates = _HEADLINES(tree)[:60]
    best = _best_match(candidates, wanted)
    if best is None and wanted and not any(e.tag == "h1" for e in candidates):
        body = tree.find("body")
        scanned = (e for e in (body.iter() if body is not None else ()) if len(e) <= 3)
        best = _best_match(
            [e for _, e in zip(range(MAX_SCANNED), scanned, strict=False) if e.tag in _TITLE_TAGS],
            wanted,
        )
    return best if best is not None else next((e for e in candidates if e.tag == "h1"), None)


def _best_match(elements: list[lxml.html.HtmlElement], wanted: str) -> lxml.html.HtmlElement | None:
    best, best_score = None, 0.5
    for element in elements:
        text = _comparable(element.text_content()) if len(element) < 20 else ""
        if wanted and text and (text in wanted or wanted in text):
            score = min(len(text), len(wanted)) / max(len(text), len(wanted))
            if score > best_score:
                best, best_score = element, score
    return best


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
        or _is_off_article(element)
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


def _teasers(tree: lxml.html.HtmlElement, headline: lxml.html.HtmlElement | None) -> Teasers:
    """On a page with several ``<article>`` elements, the short ones not holding the headline:
    teaser cards, whose bylines and dates are other articles'."""
    articles = list(tree.iter("article"))
    if len(articles) < 2:
        return frozenset()
    own = set(headline.iterancestors("article")) if headline is not None else set()
    return frozenset(
        article
        for article in articles
        if article not in own and len(article.text_content()) < MAX_TEASER_CHARS
    )


def _is_off_article(element: lxml.html.HtmlElement) -> bool:
    hints = f" {_hints(element)} "
    if any(word in hints for word in _OFF_WORDS):
        return True
    if element.tag in ("footer", "aside") or any(word in hints for word in _LAYOUT_WORDS):
        return next(element.iterancestors("article"), None) is None
    return False


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
    return bool(_MODIFIED_CUE.search(text) or _MODIFIED_HINT.search(_hints(element)))


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
    if any(word in _hints(line.element) for word in _DATE_WORDS):
        return True
    return words <= 14 and not _SENTENCE_END.search(line.text)


def _is_byline_line(line: _Line) -> bool:
    if _BYLINE_START.match(line.text) or is_organisation_byline(line.text):
        return True
    hints = _hints(line.element)
    return any(word.strip() in hints for word in _AUTHOR_WORDS)


def _hints(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.get(name, "") for name in ("class", "id", "itemprop", "rel")).lower()


def _on_article(
    elements: list[lxml.html.HtmlElement], teasers: Teasers
) -> Iterator[lxml.html.HtmlElement]:
    for element in elements[:MAX_HINTED]:
        in_teaser = teasers and any(a in teasers for a in element.iterancestors("article"))
        if not in_teaser and not _OFF_ARTICLE(element):
            yield element


def _element_text(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split()) if len(element) < 40 else ""


def _comparable(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())
