"""The database schema: typed SQLAlchemy models, one schema for SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Values of ``crawl_runs.status``.
RUN_STATUSES = ("running", "completed", "failed", "interrupted", "db_unavailable")
#: Values of ``frontier.kind`` and ``frontier.state``.
FRONTIER_KINDS = ("article", "listing", "feed", "sitemap")
FRONTIER_STATES = ("pending", "in_progress", "done", "failed")
#: Values of ``articles.published_tz`` (see ``crawler.items.TzInfo``).
TZ_KINDS = ("stated", "source-timezone", "assumed-UTC")

#: URL keys (``crawler.urls.url_key``) are at most this long.
KEY_LENGTH = 512

# SQLite only auto-increments an INTEGER PRIMARY KEY, not a BIGINT one.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored in UTC and read back aware, on both dialects."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given for a UTC column")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _check_in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime()}


def table(model: type[Base]) -> Table:
    """The Core table of a model, for Core statements."""
    return cast(Table, model.__table__)


class ArticleRow(Base):
    """One article, keyed by the key of its canonical URL."""

    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint(_check_in("published_tz", TZ_KINDS), name="published_tz"),
        Index(None, "content_hash", "domain"),
        Index(None, "domain", "first_seen"),
        Index(None, "first_seen"),
        Index(None, "duplicate_of"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    url_key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    canonical_url: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    domain: Mapped[str] = mapped_column(String(255))
    site_name: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    byline: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(Json)
    published_at: Mapped[datetime | None]
    published_offset_minutes: Mapped[int | None] = mapped_column(Integer)
    published_tz: Mapped[str | None] = mapped_column(String(16))
    published_raw: Mapped[str | None] = mapped_column(Text)
    modified_at: Mapped[datetime | None]
    modified_offset_minutes: Mapped[int | None] = mapped_column(Integer)
    modified_raw: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(Json)
    image_url: Mapped[str | None] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    minhash: Mapped[bytes] = mapped_column(LargeBinary)
    duplicate_of: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("articles.id", ondelete="SET NULL")
    )
    source: Mapped[str | None] = mapped_column(String(255))
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    fetched_at: Mapped[datetime]
    extractor_version: Mapped[str] = mapped_column(String(64))
    provenance: Mapped[dict[str, str]] = mapped_column(Json)
    flags: Mapped[list[str]] = mapped_column(Json)


class ArticleUrl(Base):
    """Every URL variant seen for an article (requested, response, canonical, with tracking)."""

    __tablename__ = "article_urls"
    __table_args__ = (Index(None, "article_id"),)

    url_key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    article_id: Mapped[int] = mapped_column(BigId, ForeignKey("articles.id", ondelete="CASCADE"))
    first_seen: Mapped[datetime]


class ArticleRevision(Base):
    """A body (and title) an article had before a recrawl found it changed."""

    __tablename__ = "article_revisions"
    __table_args__ = (Index(None, "article_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    article_id: Mapped[int] = mapped_column(BigId, ForeignKey("articles.id", ondelete="CASCADE"))
    title: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    modified_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime]
    replaced_at: Mapped[datetime]


class LshBand(Base):
    """MinHash-LSH index: one row per (band key, article); near-duplicate lookup is a key lookup."""

    __tablename__ = "article_lsh_bands"
    __table_args__ = (Index(None, "article_id"),)

    band_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )


class CrawlRun(Base):
    """One crawl: what ran, when, how it ended and what it stored."""

    __tablename__ = "crawl_runs"
    __table_args__ = (
        CheckConstraint(_check_in("status", RUN_STATUSES), name="status"),
        Index(None, "source", "started_at"),
        Index(None, "started_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    spider: Mapped[str] = mapped_column(String(255))
    source: Mapped[str | None] = mapped_column(String(255))
    sources: Mapped[list[str]] = mapped_column(Json)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    stats: Mapped[dict[str, Any]] = mapped_column(Json)
    stored: Mapped[int] = mapped_column(Integer, server_default="0")
    updated: Mapped[int] = mapped_column(Integer, server_default="0")
    duplicate: Mapped[int] = mapped_column(Integer, server_default="0")
    dropped: Mapped[int] = mapped_column(Integer, server_default="0")
    failed: Mapped[int] = mapped_column(Integer, server_default="0")
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)


class SourceLease(Base):
    """Who is crawling a source until when (lease logic: ``crawler.leases``)."""

    __tablename__ = "source_leases"

    source: Mapped[str] = mapped_column(String(255), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class HttpValidator(Base):
    """The last ETag / Last-Modified of a listing, feed or sitemap URL, for conditional requests."""

    __tablename__ = "http_validators"

    url_key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[datetime]


class FrontierEntry(Base):
    """The durable crawl frontier: one row per URL of a crawl scope, with its state and lease.

    A scope is one crawl command (``<source or seed hash>:<spider>``). ``epoch`` is the pass
    over the scope the row belongs to (see `FrontierScope`); ``request`` holds what is needed
    to rebuild the request (callback name, meta, priority). Logic: ``crawler.storage.frontier``.
    """

    __tablename__ = "frontier"
    __table_args__ = (
        CheckConstraint(_check_in("kind", FRONTIER_KINDS), name="kind"),
        CheckConstraint(_check_in("state", FRONTIER_STATES), name="state"),
        Index(None, "scope", "state"),
        Index(None, "source", "state"),
        Index(None, "state", "lease_expires_at"),
    )

    scope: Mapped[str] = mapped_column(String(255), primary_key=True)
    url_key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    epoch: Mapped[int] = mapped_column(Integer, server_default="0")
    lease_expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    request: Mapped[dict[str, Any] | None] = mapped_column(Json)
    run_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crawl_runs.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime]


class FrontierScope(Base):
    """One crawl scope's current pass (epoch) over its frontier, and whether it is still open.

    A pass opens when a crawl of the scope starts with no open pass, and closes when a crawl
    of it finishes; a crawl that finds its pass open (the last one was killed or stopped)
    resumes it.
    """

    __tablename__ = "frontier_scopes"

    scope: Mapped[str] = mapped_column(String(255), primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer)
    open: Mapped[bool] = mapped_column(Boolean)
    run_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crawl_runs.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime]
