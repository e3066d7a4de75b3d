"""Where things sit on a page: the headline, hinted byline/date elements, teasers, asides."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice

import lxml.html
from lxml import etree

Teasers = frozenset[lxml.html.HtmlElement]

#: Hinted elements looked at anywhere on the page.
MAX_HINTED = 60
#: An ``<article>`` with less text than this that does not hold the headline is a teaser.
MAX_TEASER_CHARS = 1000
#: Elements looked at for a headline that is not a heading element.
MAX_SCANNED = 3000

#: Class/id/itemprop/rel words of elements holding a byline, or a date.
AUTHOR_WORDS = (
    "author", "byline", "autor", "auteur", "writer", " byl ", "verfasser", "posted-by",
    "submitted", "reporter", "journalist", "vcard",
)  # fmt: skip
DATE_WORDS = (
    "date", "time", "posted", "publish", "datum", "dateline", "meta", "updated", "zeit",
    "created", "stamp",
)  # fmt: skip
#: Words of page parts that are not the article (their dates and names are not its).
_OFF_WORDS = (
    "comment", "related", "recommend", "popular", "trending", "most-read", "newsletter",
    "site-footer", "menu", "reply", "kommentar", "respond",
)  # fmt: skip
#: Layout words of the page's side columns; inside an ``<article>`` its own side column.
_LAYOUT_WORDS = ("sidebar", " widget ", "widget_", "widget-area")
#: Texts of elements that label a byline: ``<strong>Autor:</strong> Name``.
_LABEL_WORDS = frozenset(
    {
        "autor", "autorin", "autoren", "text", "texte", "von", "author", "authors", "by",
        "written by", "verfasst von", "geschrieben von", "auteur", "par", "redaktion",
        "reporter", "posted by", "bericht",
    }
)  # fmt: skip
_AUTHOR_RE = re.compile("|".join(map(re.escape, AUTHOR_WORDS)))
_DATE_RE = re.compile("|".join(map(re.escape, DATE_WORDS)))
_OFF_RE = re.compile("|".join(map(re.escape, _OFF_WORDS)))
_LAYOUT_RE = re.compile("|".join(map(re.escape, _LAYOUT_WORDS)))
#: What is not a letter or digit (``str.isalnum``): ``\w`` without ``_``.
_NOT_ALNUM = re.compile(r"[\W_]+")
_UNSEEN = frozenset({"script", "style", "meta", "link", "img", "noscript", "svg", "path"})
_TITLE_TAGS = frozenset({"div", "p", "span", "strong", "b", "td", "a", "h4", "h5", "h6", "font"})

_HINTED = etree.XPath("//body//*[@class or @id or @itemprop or @rel or self::time]")
#: One path per tag (a union, in page order): name steps are much cheaper than ``self::``.
_HEADINGS = etree.XPath(
    " | ".join(
        [f"//body//{tag}" for tag in ("h1", "h2", "h3")]
        + [
            f"//body//{tag}[contains(@class, 'headline') or contains(@class, 'Headline')]"
            for tag in ("div", "p", "span")
        ]
    )
)
#: How datelines start when they are not near the headline (``Erstellt am: 01.11.2023``).
_DATE_CUES = (
    "Erstellt am", "Veröffentlicht am", "Veröffentlicht:", "Publiziert am", "Datum:",
    "Published on", "Published:", "Posted on", "Publié le", "Publié :", "Stand:",
)  # fmt: skip
_CUE_LETTERS = "".join(sorted({cue[0] for cue in _DATE_CUES}))
#: An element's first text node (what ``normalize-space(text())`` reads) is compared with
#: the cues only when it starts with a cue's first letter: one ``normalize-space`` per text
#: instead of one per cue.
_DATELINES = etree.XPath(
    f"//body//*[text()[1][contains('{_CUE_LETTERS}', substring(normalize-space(.), 1, 1))]"
    "[" + " or ".join(f"starts-with(normalize-space(.), '{cue}')" for cue in _DATE_CUES) + "]]"
)
_TEXT_WITH = etree.XPath("//body//text()[contains(., $name)]")
_SHORT_LABELS = etree.XPath(
    " | ".join(
        f"//body//{tag}[string-length(normalize-space(text())) < 20]"
        for tag in ("strong", "b", "span", "em", "dt", "label", "i", "small")
    )
)


def hints(element: lxml.html.HtmlElement) -> str:
    """The element's class, id, itemprop and rel, lower-cased and padded with spaces."""
    get = element.get
    values = filter(None, (get("class"), get("id"), get("itemprop"), get("rel")))
    return f" {' '.join(values).lower()} "


def has_author_hint(element: lxml.html.HtmlElement) -> bool:
    """Whether the element's hints name a byline (one of `AUTHOR_WORDS`)."""
    return bool(_AUTHOR_RE.search(hints(element)))


def has_date_hint(element: lxml.html.HtmlElement) -> bool:
    """Whether the element's hints name a date (one of `DATE_WORDS`)."""
    return bool(_DATE_RE.search(hints(element)))


def is_off_article(element: lxml.html.HtmlElement) -> bool:
    """Whether ``element`` itself marks a part that is not the article (comments, related
    links, menus; side columns and footers outside any ``<article>``)."""
    words = hints(element)
    if _OFF_RE.search(words) or element.tag == "nav":
        return True
    if element.tag in ("footer", "aside") or _LAYOUT_RE.search(words):
        return next(element.iterancestors("article"), None) is None
    return element.get("id") == "footer"


def on_article(
    elements: list[lxml.html.HtmlElement], teasers: Teasers
) -> Iterator[lxml.html.HtmlElement]:
    """The first ``MAX_HINTED`` of ``elements`` that sit in neither a teaser nor a part that
    is not the article."""
    for element in elements[:MAX_HINTED]:
        chain = [element, *element.iterancestors()]
        if not any(
            node in teasers or (node.tag not in ("body", "html", "article", "main")
                                and is_off_article(node))
            for node in chain
        ):  # fmt: skip
            yield element


def hinted(tree: lxml.html.HtmlElement) -> tuple[list[lxml.html.HtmlElement], ...]:
    """Elements whose class/id/itemprop/rel suggest a byline, and a date (or ``<time>``)."""
    authors, dates = [], []
    for element in _HINTED(tree):
        if element.tag in _UNSEEN:
            continue
        words = hints(element)
        if _AUTHOR_RE.search(words):
            authors.append(element)
        if element.tag == "time" or _DATE_RE.search(words):
            dates.append(element)
    return authors, dates


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def full_name(tree: lxml.html.HtmlElement, first: str) -> str | None:
    """``Nils Pickert`` for ``Nils``: the name as printed in a byline or author box."""
    if _NOT_XML.search(first):  # an XPath variable must be XML text
        return None
    pattern = re.compile(rf"\b{re.escape(first)}\s+([A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+)?)")
    for node in _TEXT_WITH(tree, name=first)[:30]:
        parent = node.getparent()
        if parent is None:
            continue
        near = [parent, *islice(parent.iterancestors(), 3)]
        found = pattern.search(str(node))
        if found and any(_AUTHOR_RE.search(hints(element)) for element in near):
            return f"{first} {found.group(1)}"
    return None


def datelines(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Elements whose text starts with a dateline cue (``Veröffentlicht am``, ``Posted on``)."""
    return _DATELINES(tree)


def hinted_inside(element: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Descendants of ``element`` whose hints suggest a byline."""
    return [
        inner
        for inner in element.iterdescendants()
        if isinstance(inner.tag, str) and has_author_hint(inner)
    ][:3]


def labels(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Elements whose own text is a byline label (``Autor:``, ``Text:``, ``By``)."""
    return [
        element
        for element in _SHORT_LABELS(tree)
        if " ".join((element.text or "").replace(":", " ").split()).lower() in _LABEL_WORDS
    ]


def teasers(tree: lxml.html.HtmlElement, headline: lxml.html.HtmlElement | None) -> Teasers:
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


def find_headline(tree: lxml.html.HtmlElement, title: str | None) -> lxml.html.HtmlElement | None:
    """The heading that best matches the title; on a page without ``<h1>``, any short element
    that does (a ``<div class="h">`` headline); else the first ``<h1>``."""
    wanted = comparable(title or "")
    candidates = _HEADINGS(tree)[:60]
    best = _best_match(candidates, wanted)
    if best is None and wanted and not any(e.tag == "h1" for e in candidates):
        body = tree.find("body")
        scanned = (e for e in (body.iter() if body is not None else ()) if len(e) <= 3)
        best = _best_match(
            [e for _, e in zip(range(MAX_SCANNED), scanned, strict=False) if e.tag in _TITLE_TAGS],
            wanted,
        )
    return best if best is not None else next((e for e in candidates if e.tag == "h1"), None)


def comparable(text: str) -> str:
    """Letters and digits only, case-folded, for loose equality."""
    return _NOT_ALNUM.sub("", text.casefold())


def _best_match(elements: list[lxml.html.HtmlElement], wanted: str) -> lxml.html.HtmlElement | None:
    best, best_score = None, 0.5
    for element in elements:
        raw = element.text_content() if len(element) < 20 else ""
        text = comparable(raw) if len(raw) < 3 * len(wanted) + 20 else ""
        if wanted and text and (text in wanted or wanted in text):
            score = min(len(text), len(wanted)) / max(len(text), len(wanted))
            if score > best_score:
                best, best_score = element, score
    return best
