"""What a link probably is, from its URL alone: not a page, a listing, an article, or unknown."""

from __future__ import annotations

import posixpath
import re
from enum import Enum
from urllib.parse import urlsplit


class PageKind(Enum):
    """The spider's guess before fetching; the extractor's ``is_article`` has the last word."""

    SKIP = "skip"  # not a page to read: a file, a feed, an AMP or print copy, an admin page
    LISTING = "listing"  # homepage, section, archive, tag, author, pagination: links only
    ARTICLE = "article"  # dated path or long slug: extracted
    UNKNOWN = "unknown"  # extracted; stored only if the extractor says it is an article


_FILE_SUFFIXES = frozenset(
    {
        ".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".ico", ".bmp", ".tif", ".tiff",
        ".avif", ".css", ".js", ".mjs", ".json", ".xml", ".rss", ".atom", ".rdf", ".pdf", ".doc",
        ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".zip", ".gz", ".tgz", ".bz2", ".xz",
        ".7z", ".rar", ".tar", ".mp3", ".mp4", ".m4a", ".m4v", ".mov", ".avi", ".wmv", ".webm",
        ".ogg", ".ogv", ".wav", ".flac", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".exe",
        ".dmg", ".apk", ".iso", ".bin", ".csv", ".txt", ".ics", ".vcf",
    }
)  # fmt: skip
_LISTING_SEGMENT = re.compile(
    r"^(?:tags?|topics?|category|categories|section|sections|authors?|writers?|people|"
    r"profiles?|contributors?|videos?|watch|live-tv|gallery|galleries|photos?|podcasts?|"
    r"contact(?:-us)?|about(?:-us)?|imprint|impressum|privacy(?:-policy)?|terms(?:-of-use)?|"
    r"cookies?|advertise|careers|jobs|search|archives?|page|page-?\d+|login|logout|"
    r"register|signin|signup|account|subscribe|subscriptions?|newsletters?|comments?)$",
    re.IGNORECASE,
)
_SKIP_SEGMENT = re.compile(
    r"^(?:feeds?|rss|atom|amp|print|share|wp-admin|wp-login\.php|wp-json|xmlrpc\.php|cdn-cgi)$",
    re.IGNORECASE,
)
_PAGINATION_QUERY = re.compile(r"(?:^|&)(?:page|p|pg|paged|start|offset)=\d+", re.IGNORECASE)
_DATE_ARCHIVE = re.compile(r"^/(?:19|20)\d{2}(?:/\d{1,2}){0,2}/?$")
_DATED_PATH = re.compile(r"/(?:19|20)\d{2}[/-](?:0?[1-9]|1[0-2])(?:[/-]|$)")
_NUMERIC_ID = re.compile(r"\d{5,}")
_SLUG_WORD = re.compile(r"[-_]")
#: A last path segment with at least this many words is an article slug.
_SLUG_WORDS = 4


def page_kind(url: str) -> PageKind:
    """Guess what ``url`` points at from its path and query."""
    parts = urlsplit(url)
    path = parts.path or "/"
    segments = [s for s in path.split("/") if s]
    suffix = posixpath.splitext(segments[-1])[1].lower() if segments else ""
    if suffix in _FILE_SUFFIXES or any(_SKIP_SEGMENT.match(s) for s in segments):
        return PageKind.SKIP
    if not segments or _PAGINATION_QUERY.search(parts.query):
        return PageKind.LISTING
    if any(_LISTING_SEGMENT.match(s) for s in segments):
        return PageKind.LISTING
    if _DATE_ARCHIVE.match(path):
        return PageKind.LISTING
    last = posixpath.splitext(segments[-1])[0]
    if (
        _DATED_PATH.search(path)
        or len(_SLUG_WORD.split(last)) >= _SLUG_WORDS
        or _NUMERIC_ID.search(last)
    ):
        return PageKind.ARTICLE
    if len(segments) == 1 or (path.endswith("/") and not any(c.isdigit() for c in last)):
        return PageKind.LISTING  # a section: /news/, /world, /cities/mumbai-news/
    return PageKind.UNKNOWN
