"""Whether a page is one article, or a listing, tag, author, video or contact page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from crawler.extraction.body import count_words, share_of_links
from crawler.extraction.boilerplate import comparable
from crawler.extraction.metadata import Metadata

_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "askpublicnewsarticle",
    "satiricalarticle",
    "blogposting",
    "socialmediaposting",
    "liveblogposting",
    "report",
    "techarticle",
    "scholarlyarticle",
}
_NON_ARTICLE_TYPES = {
    "collectionpage",
    "itemlist",
    "profilepage",
    "contactpage",
    "aboutpage",
    "searchresultspage",
    "videoobject",
    "videogallery",
    "imagegallery",
    "person",
    "video",
    "video.other",
    "video.movie",
    "video.episode",
    "profile",
}
_NON_ARTICLE_PATH = re.compile(
    r"/(?:tags?|topics?|category|categories|section|sections|author|authors|writers?|"
    r"people|profile|videos?|watch|live-tv|contact(?:-us)?|about(?:-us)?|search|archives?|"
    r"page/\d+|feed|login|subscribe|newsletters?)(?:/|$|\.)",
    re.IGNORECASE,
)
#: A page typed as an article needs this many words (else it is an empty shell).
_MIN_WORDS_TYPED = 25
#: An untyped page needs this many words and another sign of being an article...
_MIN_WORDS_SIGNED = 50
#: ... or this many words alone.
_MIN_WORDS = 150
#: More teaser blocks than this (``<article>`` elements) make a listing page.
_MAX_TEASERS = 4
#: A body whose text is mostly link text is a list of teasers.
_MAX_LINK_SHARE = 0.35
#: Headings that may lead a teaser: an h2/h3/h4 holding a link.
_LINKED_HEADINGS = lxml.etree.XPath(" | ".join(f"//{h}[.//a[@href]]" for h in ("h2", "h3", "h4")))
#: A teaser's headline is (almost) all link text.
_HEADLINE_LINK_SHARE = 0.8
#: This many sibling blocks of one shape, each led by a linked headline, are a teaser list.
_MIN_TEASER_BLOCKS = 3
#: A teaser's text besides its headline is a short summary: at most this many words.
_TEASER_MAX_WORDS = 80
#: A body with more than this share of its characters inside teaser lists is a listing.
_MAX_TEASER_SHARE = 0.5
#: An article URL: a date path, a long slug or a numeric story id.
_ARTICLE_PATH = re.compile(
    r"/(?:19|20)\d\d/\d{1,2}/|[\w%]+(?:[-_][\w%]+){3,}|\d{5,}|\.s?html?$", re.IGNORECASE
)


def is_article_page(
    url: str, meta: Metadata, tree: lxml.html.HtmlElement, paragraphs: Sequence[str]
) -> bool:
    """True when the page is a single article: typed as one or shaped like one.

    Listing, tag, author, video and contact pages are recognised by their URL, their
    JSON-LD/OpenGraph type, a body made of link texts, a body taken from a list of teasers
    (same-shaped sibling blocks, each a linked headline with a short summary), or many
    ``<article>`` teaser blocks.
    """
    types = {t.casefold() for t in meta.page_types}
    words = sum(count_words(p) for p in paragraphs)
    typed_article = bool(types & _ARTICLE_TYPES)
    if not typed_article and (types & _NON_ARTICLE_TYPES):
        return False
    if _listing_url(url) or _link_share(tree, paragraphs) > _MAX_LINK_SHARE:
        return False
    if _teaser_share(tree, paragraphs) > _MAX_TEASER_SHARE:
        return False
    if typed_article:
        return words >= _MIN_WORDS_TYPED
    if sum(1 for _ in tree.iter("article")) > _MAX_TEASERS:
        return False
    signed = bool(meta.published or meta.authors) or bool(_ARTICLE_PATH.search(urlsplit(url).path))
    return words >= _MIN_WORDS or (signed and words >= _MIN_WORDS_SIGNED)


def _listing_url(url: str) -> bool:
    path = urlsplit(url).path
    return path in ("", "/") or bool(_NON_ARTICLE_PATH.search(path))


def _link_share(tree: lxml.html.HtmlElement, paragraphs: Sequence[str]) -> float:
    """The share of body characters in paragraphs that are the text of a link on the page."""
    total = sum(len(p) for p in paragraphs)
    if not total:
        return 0.0
    anchors = {comparable(a.text_content()) for a in tree.iter("a")}
    linked = sum(len(p) for p in paragraphs if comparable(p) in anchors)
    return linked / total


def _teaser_share(tree: lxml.html.HtmlElement, paragraphs: Sequence[str]) -> float:
    """The share of body characters in paragraphs found inside a list of teasers."""
    total = sum(len(p) for p in paragraphs)
    if not total:
        return 0.0
    texts = {
        comparable(element.text_content())
        for block in _teaser_blocks(tree)
        for element in block.iter(lxml.etree.Element)
    }
    inside = sum(len(p) for p in paragraphs if comparable(p) in texts)
    return inside / total


def _teaser_blocks(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Blocks of a teaser list: at least `_MIN_TEASER_BLOCKS` siblings with the same tag and
    class, each led by a linked headline and holding only a short summary besides."""
    groups: dict[tuple[Any, str, str | None], set[lxml.html.HtmlElement]] = {}
    for heading in _LINKED_HEADINGS(tree):
        if share_of_links(heading, "a") < _HEADLINE_LINK_SHARE:
            continue
        block = _teaser_of(heading)
        parent = block.getparent() if block is not None else None
        if block is None or parent is None:
            continue
        rest = count_words(block.text_content()) - count_words(heading.text_content())
        if rest <= _TEASER_MAX_WORDS:
            groups.setdefault((parent, block.tag, block.get("class")), set()).add(block)
    return [block for blocks in groups.values() if len(blocks) >= _MIN_TEASER_BLOCKS
            for block in blocks]  # fmt: skip


def _teaser_of(heading: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The block a headline leads: its nearest ancestor (three levels up at most) that
    holds more than the headline."""
    headline = comparable(heading.text_content())
    block = heading.getparent()
    for _ in range(3):
        if block is None or comparable(block.text_content()) != headline:
            return block
        block = block.getparent()
    return None
