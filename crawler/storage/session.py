"""Serialised write transactions (SQLite ``BEGIN IMMEDIATE``, PostgreSQL locks) and SQL helpers."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

#: Execution option read by the SQLite ``begin`` hook in ``crawler.storage.engine``.
SQLITE_BEGIN = "crawler_sqlite_begin"
#: Largest IN list sent in one statement.
CHUNK = 2000


def lock_key(name: str) -> int:
    """A stable signed 64-bit PostgreSQL advisory-lock key for ``name``."""
    digest = hashlib.blake2b(f"news-crawler:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def write_transaction(engine: sa.Engine, lock: str | None = None) -> Iterator[sa.Connection]:
    """A transaction that commits on exit and rolls back on error.

    On SQLite it takes the database's write lock at ``BEGIN`` (waiting up to the busy
    timeout), so a transaction's reads and writes see one consistent state. On PostgreSQL,
    ``lock`` names an advisory lock held until commit, which serialises the writers that
    share its name across processes and machines.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            if lock is not None and conn.dialect.name == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_key(lock))))
            yield conn


def dialect_insert(conn: sa.Connection | str, table: sa.Table) -> Any:
    """The INSERT of the connection's dialect (or the dialect named), which has
    ``on_conflict_do_nothing`` / ``on_conflict_do_update``."""
    name = conn if isinstance(conn, str) else conn.dialect.name
    return (postgresql if name == "postgresql" else sqlite).insert(table)


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """``values`` in lists of at most ``size``, for IN lists the drivers accept."""
    chunk: list[Any] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def index_lookups_only(conn: sa.Connection) -> None:
    """Tell PostgreSQL not to scan tables for the rest of this transaction.

    The crawler's per-item queries are key lookups. With stale statistics (a table filled
    faster than autovacuum analyzes it) PostgreSQL may plan a long IN list as a sequential
    scan of millions of rows; this keeps those lookups on their indexes.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
