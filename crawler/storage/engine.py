"""SQLAlchemy engines for SQLite (WAL, foreign keys, busy timeout) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from crawler.storage.session import SQLITE_BEGIN

#: Seconds a writer waits for a lock (SQLite busy timeout, PostgreSQL lock_timeout).
DEFAULT_BUSY_TIMEOUT = 30.0
#: Seconds to wait for a PostgreSQL connection.
CONNECT_TIMEOUT = 10
_PASSWORD = re.compile(r"(//[^:/@]*:)[^@/]*@")


class DatabaseUnavailable(Exception):
    """The database URL is malformed, or the database cannot be reached or used."""


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``."""
    return _PASSWORD.sub(r"\1***@", url)


def first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception (of the driver's, if it wraps one)."""
    cause = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__


def normalize_url(url: str) -> sa.URL:
    """Parse a database URL; ``postgres(ql)://`` without a driver means psycopg 3."""
    try:
        parsed = make_url(url.strip())
    except Exception as exc:
        raise DatabaseUnavailable(f"malformed database URL {redact_url(url)!r}: {exc}") from None
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed
    raise DatabaseUnavailable(
        f"unsupported database {backend!r} in {redact_url(url)!r} (use sqlite:/// or postgresql://)"
    )


def make_engine(url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> sa.Engine:
    """An engine for ``url``, configured for the crawler's concurrent writers."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, connect_args={"timeout": busy_timeout})
        _configure_sqlite(engine, busy_timeout)
        return engine
    # A lock wait (e.g. for the writers' advisory lock) fails like SQLite's busy timeout.
    options = parsed.query.get("options", "")
    if not isinstance(options, str):
        options = " ".join(options)
    options = f"{options} -c lock_timeout={int(busy_timeout * 1000)}".strip()
    return sa.create_engine(
        parsed.difference_update_query(["options"]),
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT, "options": options},
    )


def check_connection(engine: sa.Engine) -> None:
    """Raise ``DatabaseUnavailable`` (one line, password hidden) unless a query succeeds."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        shown = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnavailable(f"cannot use database {shown}: {first_line(exc)}") from None


def _configure_sqlite(engine: sa.Engine, busy_timeout: float) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Transactions are begun explicitly (see _on_begin), not by the driver.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
