"""The one schema: an extracted `Article` and the `ArticleItem` that carries it through a crawl."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

#: Where a metadata field's value came from, best layer first.
Layer = Literal["json-ld", "meta", "trafilatura", "visible-text", "url", "site-override"]

#: How a date's zone is known: stated on the page, assumed from the source's
#: configured timezone, or assumed UTC because the page gave a wall-clock time only.
TzInfo = Literal["stated", "source-timezone", "assumed-UTC"]


@dataclass(frozen=True, slots=True)
class BodySignature:
    """A MinHash signature of an article body and the exact body it was made from.

    ``body_digest``: blake2b (16 bytes) of the body's UTF-8; ``minhash``: storage's packed
    signature of that body (``crawler.storage.neardup``); ``content_hash``: the body's
    `crawler.lsh.content_hash`.
    """

    body_digest: bytes
    minhash: bytes
    content_hash: str


@dataclass(frozen=True, slots=True)
class Article:
    """One news page as a newsroom would file it.

    Fields:
        url: the URL the page was fetched from (after redirects).
        canonical_url: the page's own `rel=canonical` / `og:url`, absolute; None if absent.
        title: the headline, without a trailing site name.
        authors: person or organisation names, cleaned, in page order, no duplicates.
        byline: the byline as printed (e.g. ``By A and B``), or the organisation (``Our Bureau``).
        published_at: aware datetime when a zone is stated or assumed (see ``published_tz``).
        published_raw: the on-page string the publication date was read from.
        published_tz: how the zone of ``published_at`` is known; None when there is no date.
        modified_at / modified_raw: the same for the last-modified date; never used as published.
        language: ISO 639-1 code, from the page or detection.
        description: the summary the page gives (meta description / og:description).
        body: paragraphs separated by one blank line, NFC, no zero-width characters.
        site_name: the publication's name.
        tags: keywords/section tags, in page order, no duplicates.
        image_url: the lead image, absolute.
        word_count: words in ``body``: whitespace-separated tokens, Han and kana counted one
            word per two characters (``crawler.extraction.body.count_words``).
        is_article: False for listing, tag, author, video and contact pages.
        fetched_at: when the page was fetched (aware, UTC); the clock for relative dates.
        provenance: for each metadata field set, the layer that gave it.
        flags: notes on doubtful values (``date_ambiguous``, ``encoding_replaced``,
            ``encoding_conflict``, ``deep_nesting``, ...).
        links: absolute http(s) links found on the page, when the options collect them (for
            the site spider; not stored).
        signature: the body's near-duplicate signature, made where the page was extracted
            (for storage, which makes its own when it is absent or of another body).
        normalized: whether `crawler.normalize.normalize_article` made this article (the
            extraction workers do; the normalize pipeline then has nothing to do).
    """

    url: str
    fetched_at: datetime
    body: str = ""
    title: str | None = None
    canonical_url: str | None = None
    authors: tuple[str, ...] = ()
    byline: str | None = None
    published_at: datetime | None = None
    published_raw: str | None = None
    published_tz: TzInfo | None = None
    modified_at: datetime | None = None
    modified_raw: str | None = None
    language: str | None = None
    description: str | None = None
    site_name: str | None = None
    tags: tuple[str, ...] = ()
    image_url: str | None = None
    word_count: int = 0
    is_article: bool = False
    provenance: dict[str, Layer] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    signature: BodySignature | None = None
    normalized: bool = False

    def to_json(self) -> dict[str, Any]:
        """The JSON form printed by ``crawler extract`` and ``crawler export`` (no links)."""
        return {
            "url": self.url,
            "canonical_url": self.canonical_url,
            "title": self.title,
            "authors": list(self.authors),
            "byline": self.byline,
            "published_at": _iso(self.published_at),
            "published_raw": self.published_raw,
            "published_tz": self.published_tz,
            "modified_at": _iso(self.modified_at),
            "modified_raw": self.modified_raw,
            "language": self.language,
            "description": self.description,
            "body": self.body,
            "site_name": self.site_name,
            "tags": list(self.tags),
            "image_url": self.image_url,
            "word_count": self.word_count,
            "is_article": self.is_article,
            "fetched_at": _iso(self.fetched_at),
            "provenance": dict(sorted(self.provenance.items())),
            "flags": list(self.flags),
        }


@dataclass(frozen=True, slots=True)
class ArticleItem:
    """What a spider yields: the article plus where the crawl found it.

    ``requested_url`` is the URL the spider asked for (before redirects), recorded as a
    URL variant; ``source`` names the sources-file entry (or ``None`` for ad-hoc crawls).
    ``canonical_url`` is filled in by the normalize pipeline, ``content_hash`` (the body's
    `crawler.lsh.content_hash`) by the dedupe pipeline for storage to reuse.
    """

    article: Article
    requested_url: str
    source: str | None = None
    canonical_url: str | None = None
    extractor_version: str = ""
    content_hash: str | None = None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
