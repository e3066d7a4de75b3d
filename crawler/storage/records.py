"""Conversion between `ArticleItem`s and `articles` rows: sanitised values in, `Article`s out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from crawler.items import Article, ArticleItem
from crawler.storage.neardup import Fingerprint, fingerprint
from crawler.storage.sanitize import clean_json, clean_optional, clean_text
from crawler.urls import canonicalize_url, same_site, site_of, url_key

#: Columns whose change makes a recrawl an update (body and title also write a revision).
CONTENT_COLUMNS = ("content_hash", "title")
META_COLUMNS = (
    "site_name", "byline", "authors", "published_at", "published_offset_minutes",
    "published_tz", "published_raw", "modified_at", "modified_offset_minutes", "modified_raw",
    "language", "description", "tags", "image_url",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Incoming:
    """One item ready to store: its keys, URL variants, row values and body fingerprint."""

    key: str
    identity_keys: tuple[str, ...]
    variants: dict[str, str]
    values: dict[str, Any]
    fingerprint: Fingerprint

    @property
    def domain(self) -> str:
        return str(self.values["domain"])

    @property
    def url(self) -> str:
        return str(self.values["url"])


def prepare(item: ArticleItem) -> Incoming:
    """Sanitise an item and compute what storing it needs (CPU only, no database)."""
    article = item.article
    response_url = clean_text(article.url)
    requested = clean_text(item.requested_url)
    declared = clean_text(item.canonical_url or article.url)
    canonical_of = {url: canonicalize_url(url) for url in {response_url, requested, declared}}
    canonical = canonical_of[declared]
    urls = [canonical, response_url, canonical_of[response_url], requested, canonical_of[requested]]
    if article.canonical_url and same_site(article.canonical_url, canonical):
        urls.append(clean_text(article.canonical_url))
    variants = {url_key(u): u for u in urls if u}
    body = clean_text(article.body)
    # The dedupe pipeline hashed the body already (unless sanitising changed it since).
    hashed = item.content_hash if body == article.body else None
    fp = fingerprint(body, signed=article.signature, hashed=hashed)
    published, published_offset = _utc_and_offset(article.published_at)
    modified, modified_offset = _utc_and_offset(article.modified_at)
    values: dict[str, Any] = {
        "url_key": url_key(canonical),
        "canonical_url": canonical,
        "url": response_url,
        "domain": site_of(canonical),
        "site_name": clean_optional(article.site_name),
        "title": clean_optional(article.title),
        "byline": clean_optional(article.byline),
        "authors": clean_json(list(article.authors)),
        "published_at": published,
        "published_offset_minutes": published_offset,
        "published_tz": article.published_tz if published is not None else None,
        "published_raw": clean_optional(article.published_raw),
        "modified_at": modified,
        "modified_offset_minutes": modified_offset,
        "modified_raw": clean_optional(article.modified_raw),
        "language": clean_optional(article.language),
        "description": clean_optional(article.description),
        "body": body,
        "tags": clean_json(list(article.tags)),
        "image_url": clean_optional(article.image_url),
        "word_count": len(body.split()),
        "content_hash": fp.content_hash,
        "minhash": fp.signature,
        "source": clean_optional(item.source),
        "fetched_at": article.fetched_at,
        "extractor_version": clean_text(item.extractor_version),
        "provenance": clean_json(dict(article.provenance)),
        "flags": clean_json(list(article.flags)),
    }
    identity = (url_key(canonical), url_key(canonical_of[response_url]))
    return Incoming(values["url_key"], identity, variants, values, fp)


def row_article(row: Any) -> Article:
    """The `Article` a stored row holds, dates in the offset the page gave."""
    return Article(
        url=row.url,
        canonical_url=row.canonical_url,
        title=row.title,
        authors=tuple(row.authors or ()),
        byline=row.byline,
        published_at=_with_offset(row.published_at, row.published_offset_minutes),
        published_raw=row.published_raw,
        published_tz=row.published_tz,
        modified_at=_with_offset(row.modified_at, row.modified_offset_minutes),
        modified_raw=row.modified_raw,
        language=row.language,
        description=row.description,
        body=row.body,
        site_name=row.site_name,
        tags=tuple(row.tags or ()),
        image_url=row.image_url,
        word_count=row.word_count,
        is_article=True,
        fetched_at=row.fetched_at,
        provenance=dict(row.provenance or {}),
        flags=tuple(row.flags or ()),
    )


def _utc_and_offset(value: datetime | None) -> tuple[datetime | None, int | None]:
    if value is None:
        return None, None
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(
            f"naive datetime {value.isoformat()} (the normalize pipeline makes dates aware)"
        )
    return value.astimezone(UTC), int(offset.total_seconds() // 60)


def _with_offset(value: datetime | None, minutes: int | None) -> datetime | None:
    if value is None or minutes is None:
        return value
    return value.astimezone(timezone(timedelta(minutes=minutes)))
