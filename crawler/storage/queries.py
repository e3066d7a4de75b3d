"""Read-side queries: already-stored URLs, the streaming export, per-site statistics."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from crawler.storage.models import ArticleRow, ArticleUrl, table
from crawler.storage.records import row_article
from crawler.storage.runs import RunRecord, last_run
from crawler.storage.session import chunks, index_lookups_only
from crawler.urls import canonicalize_url, url_key

ARTICLES = table(ArticleRow)
#: Rows fetched per round trip by the export (memory stays flat).
EXPORT_BATCH = 500


@dataclass(frozen=True, slots=True)
class Coverage:
    """How many articles, and how many of them have authors and a publication date."""

    articles: int
    with_authors: int
    with_dates: int


@dataclass(frozen=True, slots=True)
class SiteStats:
    """Extraction health of one site, over all its articles and over the recent ones."""

    site: str
    total: Coverage
    recent: Coverage
    duplicates: int
    last_seen: datetime | None
    last_run: RunRecord | None


def stored_urls(conn: sa.Connection, urls: Iterable[str]) -> set[str]:
    """Those of ``urls`` recorded as a variant of a stored article (as given or canonicalized)."""
    keys_of = {url: {url_key(url), url_key(canonicalize_url(url))} for url in set(urls)}
    wanted = set().union(*keys_of.values()) if keys_of else set()
    found: set[str] = set()
    column = table(ArticleUrl).c.url_key
    index_lookups_only(conn)
    for chunk in chunks(sorted(wanted)):
        found.update(conn.scalars(sa.select(column).where(column.in_(chunk))))
    return {url for url, keys_ in keys_of.items() if keys_ & found}


def export_records(conn: sa.Connection, since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """One JSON-able record per stored article, oldest first, streamed from the database.

    Keys: ``id``, those of ``Article.to_json()``, ``first_seen``, ``last_seen`` and
    ``duplicate_of`` (the canonical URL of the article this one duplicates, or None).
    ``since`` keeps articles first seen at or after it.
    """
    original = ARTICLES.alias("original")
    query = (
        sa.select(ARTICLES, original.c.canonical_url.label("duplicate_of_url"))
        .outerjoin(original, original.c.id == ARTICLES.c.duplicate_of)
        .order_by(ARTICLES.c.id)
    )
    if since is not None:
        query = query.where(ARTICLES.c.first_seen >= since)
    for row in conn.execution_options(yield_per=EXPORT_BATCH).execute(query):
        yield {
            "id": row.id,
            **row_article(row).to_json(),
            "first_seen": row.first_seen.isoformat(),
            "last_seen": row.last_seen.isoformat(),
            "duplicate_of": row.duplicate_of_url,
        }


def site_stats(conn: sa.Connection, recent_since: datetime) -> list[SiteStats]:
    """Per-site counts, overall and for articles first seen since ``recent_since``."""
    recent = ARTICLES.c.first_seen >= recent_since
    has_authors = _array_length(conn, ARTICLES.c.authors) > 0
    has_date = ARTICLES.c.published_at.is_not(None)
    query = (
        sa.select(
            ARTICLES.c.domain,
            sa.func.count(),
            _count(has_authors),
            _count(has_date),
            _count(recent),
            _count(sa.and_(recent, has_authors)),
            _count(sa.and_(recent, has_date)),
            _count(ARTICLES.c.duplicate_of.is_not(None)),
            sa.func.max(ARTICLES.c.last_seen),
            sa.func.max(ARTICLES.c.source),
        )
        .group_by(ARTICLES.c.domain)
        .order_by(ARTICLES.c.domain)
    )
    sites = []
    for row in conn.execute(query):
        numbers = [int(n or 0) for n in row[1:8]]
        run = last_run(conn, row[9]) if row[9] else None
        total, recent_ = Coverage(*numbers[0:3]), Coverage(*numbers[3:6])
        sites.append(SiteStats(row[0], total, recent_, numbers[6], row[8], run))
    return sites


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _array_length(conn: sa.Connection, column: Any) -> sa.ColumnElement[int]:
    name = "jsonb_array_length" if conn.dialect.name == "postgresql" else "json_array_length"
    return getattr(sa.func, name)(column)
