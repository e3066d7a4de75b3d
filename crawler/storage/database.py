"""`Database`: the one handle the crawler holds on its storage, and `open_database` to get it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from crawler.items import ArticleItem
from crawler.storage import migrate, queries, runs, validators
from crawler.storage.engine import (
    DEFAULT_BUSY_TIMEOUT,
    DatabaseUnavailable,
    check_connection,
    first_line,
    make_engine,
)
from crawler.storage.frontier import FrontierBatch
from crawler.storage.records import prepare
from crawler.storage.session import write_transaction
from crawler.storage.upsert import BatchResult, store_incoming

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, aware and in UTC."""
    return datetime.now(UTC)


class Database:
    """Storage for one database URL; every method opens and closes its own transaction."""

    def __init__(self, engine: sa.Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    @property
    def url(self) -> str:
        """The database URL with its password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def write(self, lock: str | None = None) -> Iterator[sa.Connection]:
        """A write transaction (see ``crawler.storage.session.write_transaction``)."""
        with write_transaction(self.engine, lock) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A read-only connection."""
        with self.engine.connect() as conn:
            yield conn

    def store_batch(
        self, items: Sequence[ArticleItem], frontier: FrontierBatch | None = None
    ) -> BatchResult:
        """Store normalized items in one transaction; see ``BatchResult`` for what happened.

        With ``frontier``, the same transaction applies its changes and marks the items'
        requested URLs done, so no URL is ever done without its article row.
        """
        incoming = [prepare(item) for item in items]
        if not incoming and frontier is None:
            return BatchResult()
        with self.write(lock="articles" if incoming else None) as conn:
            now = self.clock()
            result = store_incoming(conn, incoming, now) if incoming else BatchResult()
            if frontier is not None:
                frontier.write(conn, now, [item.requested_url for item in items])
            return result

    def stored_urls(self, urls: Iterable[str]) -> set[str]:
        """Those of ``urls`` already stored as a variant of some article."""
        with self.read() as conn:
            return queries.stored_urls(conn, urls)

    def start_run(self, spider: str, source: str | None = None, sources: Sequence[str] = ()) -> int:
        """Record a ``running`` crawl; returns the run id."""
        with self.write() as conn:
            return runs.start_run(conn, self.clock(), spider, source, sources)

    def finish_run(
        self,
        run_id: int,
        status: str,
        stats: Mapping[str, Any] | None = None,
        counts: Mapping[str, int] | None = None,
    ) -> None:
        """Record how run ``run_id`` ended (``counts``: stored/updated/duplicate/dropped/failed)."""
        with self.write() as conn:
            runs.finish_run(conn, self.clock(), run_id, status, stats, counts)

    def recent_runs(self, limit: int = 20, source: str | None = None) -> list[runs.RunRecord]:
        """The newest runs first."""
        with self.read() as conn:
            return runs.recent_runs(conn, limit, source)

    def last_run(self, source: str, statuses: Sequence[str] = ()) -> runs.RunRecord | None:
        """The newest run of ``source``, optionally with one of ``statuses``."""
        with self.read() as conn:
            return runs.last_run(conn, source, statuses)

    def get_validators(self, url: str) -> validators.Validators | None:
        """ETag / Last-Modified saved for ``url``."""
        with self.read() as conn:
            return validators.get_validators(conn, url)

    def url_lookups(
        self, urls: Iterable[str], with_validators: bool = True
    ) -> tuple[set[str], dict[str, validators.Validators]]:
        """(those of ``urls`` stored as an article, the validators saved for the others if
        ``with_validators``) in one read transaction: what a crawl asks about a page's links."""
        wanted = set(urls)
        with self.read() as conn:
            stored = queries.stored_urls(conn, wanted)
            if not with_validators:
                return stored, {}
            return stored, validators.validators_of(conn, wanted - stored)

    def save_validators(
        self,
        url: str,
        *,
        etag: str | None,
        last_modified: str | None,
        status: int | None = None,
        fetched_at: datetime | None = None,
    ) -> None:
        """Save the validators of the response to ``url``."""
        with self.write() as conn:
            validators.save_validators(
                conn,
                url,
                etag=etag,
                last_modified=last_modified,
                status=status,
                fetched_at=fetched_at or self.clock(),
            )

    def schema_revision(self) -> str | None:
        """The Alembic revision of the database (None before the first migration)."""
        return migrate.current_revision(self.engine)

    def upgrade(self, revision: str = "head") -> None:
        """Apply migrations up to ``revision``."""
        migrate.upgrade(self.engine, revision)

    def downgrade(self, revision: str) -> None:
        """Revert migrations down to ``revision``."""
        migrate.downgrade(self.engine, revision)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(
    url: str,
    *,
    migrate: bool = True,
    clock: Clock = utc_now,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
) -> Database:
    """Connect to ``url``, check it answers, and bring its schema to the newest revision.

    With ``migrate=False`` the schema is left as it is (``crawler db`` does that). Raises
    ``DatabaseUnavailable`` with a one-line message (password hidden) when the URL is
    malformed, the database cannot be reached, or its schema is newer than this code.
    """
    engine = make_engine(url, busy_timeout=busy_timeout)
    check_connection(engine)
    database = Database(engine, clock)
    if migrate:
        try:
            _bring_to_head(database)
        except DatabaseUnavailable:
            engine.dispose()
            raise
        except sa.exc.SQLAlchemyError as exc:
            engine.dispose()
            raise DatabaseUnavailable(
                f"cannot migrate database {database.url}: {first_line(exc)}"
            ) from None
    return database


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = sa.engine.make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    return Path(parsed.database)


def _bring_to_head(database: Database) -> None:
    current = database.schema_revision()
    if current == migrate.head_revision():
        return
    if current is not None and current not in migrate.known_revisions():
        raise DatabaseUnavailable(
            f"database {database.url} has schema revision {current}, newer than this crawler "
            f"({migrate.head_revision()}); upgrade the crawler"
        )
    database.upgrade()
