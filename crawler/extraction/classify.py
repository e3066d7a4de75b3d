"""Whether a page is one article, or a listing, tag, author, video or contact page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

import lxml.html

from crawler.extraction.body import count_words
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
#: An article URL: a date path, a long slug or a numeric story id.
_ARTICLE_PATH = re.compile(
    r"/(?:19|20)\d\d/\d{1,2}/|[\w%]+(?:[-_][\w%]+){3,}|\d{5,}|\.s?html?$", re.IGNORECASE
)


def is_article_page(
    url: str, meta: Metadata, tree: lxml.html.HtmlElement, paragraphs: Sequence[str]
) -> bool:
    """True when the page is a single article: typed as one or shaped like one.

    Listing, tag, author, video and contact pages are recognised by their URL, their
    JSON-LD/OpenGraph type, a body made of link texts, or many teaser blocks.
    """
    types = {t.casefold() for t in meta.page_types}
    words = sum(count_words(p) for p in paragraphs)
    typed_article = bool(types & _ARTICLE_TYPES)
    if not typed_article and (types & _NON_ARTICLE_TYPES):
        return False
    if _listing_url(url) or _link_share(tree, paragraphs) > _MAX_LINK_SHARE:
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
