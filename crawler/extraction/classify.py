"""Whether a page is one article, or a listing, tag, author, video or contact page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

import lxml.html

from crawler.extraction.boilerplate import comparable

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
#: Below this many words a page without an article type is not an article.
_MIN_WORDS = 120
#: Below this many words even a page typed as an article is not one (empty shell).
_MIN_WORDS_TYPED = 25
#: More teaser blocks than this (``<article>`` elements) make a listing page.
_MAX_TEASERS = 4
#: A body whose text is mostly link text is a list of teasers.
_MAX_LINK_SHARE = 0.35


def is_article_page(
    url: str,
    page_types: Sequence[str],
    tree: lxml.html.HtmlElement,
    paragraphs: Sequence[str],
) -> bool:
    """True when the page is a single article: typed as one or shaped like one."""
    types = {t.casefold() for t in page_types}
    words = sum(len(p.split()) for p in paragraphs)
    typed_article = bool(types & _ARTICLE_TYPES)
    if not typed_article and (types & _NON_ARTICLE_TYPES):
        return False
    if _listing_url(url) or _link_share(tree, paragraphs) > _MAX_LINK_SHARE:
        return False
    if typed_article:
        return words >= _MIN_WORDS_TYPED
    teasers = sum(1 for _ in tree.iter("article"))
    return words >= _MIN_WORDS and teasers <= _MAX_TEASERS


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
