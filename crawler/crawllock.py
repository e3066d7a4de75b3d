"""Exclusive crawl locks: one crawl at a time per scope of a database, and per JOBDIR.

SQLite databases and JOBDIRs use an OS file lock (``flock``) on a file that names its
holder; the kernel releases it when the holder exits, even on SIGKILL, so a restart never
waits. PostgreSQL uses a session advisory lock on a connection of the lock's own, released
when that connection ends; `AdvisoryLock.check` takes it again after the connection was
killed, and fails if another crawl took it meanwhile.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

import sqlalchemy as sa

from crawler.distributed.keys import source_key

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


def frontier_scope(spider: str, source: str | None, seeds: Sequence[str]) -> str:
    """The scope of a crawl: its source (or a name derived from its seeds) and spider."""
    return f"{source_key(source, list(dict.fromkeys(seeds)))}:{spider}"


#: The lock file in a JOBDIR.
JOBDIR_LOCK = "crawler.lock"


class CrawlLocked(Exception):
    """Another crawl holds the lock; the message names it (pid and host)."""


class CrawlLock(Protocol):
    """A lock a crawl holds from before it opens its frontier until it has closed it."""

    def acquire(self) -> None: ...

    def check(self) -> None: ...

    def release(self) -> None: ...


def holder_text() -> str:
    """This process as a lock holder: ``pid N on host H since T``."""
    since = datetime.now(UTC).isoformat(timespec="seconds")
    return f"pid {os.getpid()} on host {socket.gethostname()} since {since}"


class FileLock:
    """An exclusive ``flock`` on ``path``, which holds the holder's description while held.

    The folder of ``path`` is created if missing (its parents too with ``make_parents``).
    """

    def __init__(self, path: Path, what: str, make_parents: bool = False) -> None:
        self.path = path
        self.what = what
        self.make_parents = make_parents
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock now or raise `CrawlLocked` naming its holder."""
        self.path.parent.mkdir(parents=self.make_parents, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = _holder_of(handle.read())
            handle.close()
            raise CrawlLocked(f"{self.what} is in use by another crawl: {holder}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"holder": holder_text(), "what": self.what}) + "\n")
        handle.flush()
        self._file = handle

    def check(self) -> None:
        """Nothing to check: the kernel keeps the lock until it is released."""

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.seek(0)
                self._file.truncate()
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class AdvisoryLock:
    """A PostgreSQL session advisory lock named ``name`` (per database schema)."""

    def __init__(self, db_url: str, name: str, what: str) -> None:
        self.db_url = db_url
        self.name = name
        self.what = what
        self._engine: sa.Engine | None = None
        self._conn: sa.Connection | None = None

    def acquire(self) -> None:
        """Take the lock now or raise `CrawlLocked` naming the holder's host and pid."""
        from crawler.storage.engine import make_engine  # storage loads only for PostgreSQL
        from crawler.storage.session import lock_key

        self._engine = self._engine or make_engine(self.db_url)
        conn = self._engine.connect()
        try:
            schema = conn.scalar(sa.text("SELECT current_schema()"))
            key = lock_key(f"{self.name}@{schema}")
            holder = holder_text().split(" since ")[0]
            conn.execute(sa.text("SELECT set_config('application_name', :n, false)"),
                         {"n": f"crawler {holder}"[:63]})  # fmt: skip
            conn.commit()
            taken = conn.scalar(sa.select(sa.func.pg_try_advisory_lock(key)))
            conn.commit()
            if not taken:
                raise CrawlLocked(
                    f"{self.what} is in use by another crawl: {_pg_holder(conn, key)}"
                )
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def check(self) -> None:
        """Take the lock again if its connection was lost; `CrawlLocked` if another crawl has it.

        A database that cannot be reached now is not an error here (the writers report it).
        """
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("SELECT 1"))
                self._conn.commit()
                return
            except sa.exc.DBAPIError:
                with contextlib.suppress(sa.exc.SQLAlchemyError):
                    self._conn.close()
                self._conn = None
        with contextlib.suppress(sa.exc.OperationalError, sa.exc.InterfaceError):
            self.acquire()

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._conn.close()  # ending the session releases the lock
            self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def scope_lock(db_url: str, scope: str) -> CrawlLock | None:
    """The lock of crawl scope ``scope`` in the database at ``db_url`` (None for in-memory
    SQLite): a file in ``<database file>.locks/``, or a PostgreSQL advisory lock."""
    url = sa.make_url(db_url)
    what = f"crawl {scope!r} of database {url.render_as_string()}"
    if url.get_backend_name() != "sqlite":
        return AdvisoryLock(db_url, f"frontier:{scope}", what)
    if not url.database or url.database == ":memory:":
        return None
    path = Path(url.database)
    digest = hashlib.sha1(scope.encode()).hexdigest()[:16]
    return FileLock(path.with_name(f"{path.name}.locks") / f"{digest}.lock", what)


def jobdir_lock(jobdir: str) -> FileLock:
    """The lock of a JOBDIR."""
    return FileLock(Path(jobdir) / JOBDIR_LOCK, f"JOBDIR {jobdir}", make_parents=True)


def acquire_all(locks: list[CrawlLock]) -> None:
    """Acquire ``locks`` in order; on `CrawlLocked`, release those taken and re-raise."""
    taken: list[CrawlLock] = []
    try:
        for lock in locks:
            lock.acquire()
            taken.append(lock)
    except BaseException:
        for lock in reversed(taken):
            lock.release()
        raise


def probe_locks(locks: list[CrawlLock]) -> str | None:
    """Why a crawl needing ``locks`` cannot start now (another holds one), or None.

    The locks are taken and released at once: a check before any work, not a reservation.
    A database that cannot be reached is not reported here (opening it reports it).
    """
    try:
        acquire_all(locks)
    except CrawlLocked as exc:
        return str(exc)
    except (sa.exc.SQLAlchemyError, OSError):
        return None
    for lock in reversed(locks):
        lock.release()
    return None


def lock_problem(
    settings: BaseSettings, spider: str, source: str | None, seeds: Sequence[str]
) -> str | None:
    """Why a crawl with these crawler ``settings`` cannot start now (another crawl holds its
    scope or its JOBDIR), or None; a check before any work, not a reservation."""
    if not settings.getbool("CRAWLER_FRONTIER", True) or settings.get("CRAWLER_REDIS_URL"):
        return None
    db_url = settings.get("CRAWLER_DB_URL") or "sqlite:///news.db"
    scope = frontier_scope(spider, settings.get("CRAWLER_SOURCE") or source, seeds)
    jobdir = settings.get("JOBDIR")
    locks = [lock for lock in (scope_lock(db_url, scope),) if lock is not None]
    return probe_locks(locks + ([jobdir_lock(jobdir)] if jobdir else []))


def take_locks(
    scope: CrawlLock | None, jobdir: str | None
) -> tuple[list[CrawlLock], CrawlLock | None]:
    """Take the scope's lock and the JOBDIR's: (held, deferred). `CrawlLocked` when another
    crawl holds one; the scope's lock is deferred (to the spider's opening, which reports a
    database that cannot be used) when the database cannot be reached now."""
    held: list[CrawlLock] = []
    deferred = None
    if scope is not None:
        try:
            scope.acquire()
            held.append(scope)
        except (sa.exc.SQLAlchemyError, OSError):
            deferred = scope
    if jobdir:
        lock = jobdir_lock(jobdir)
        try:
            lock.acquire()
        except CrawlLocked:
            for taken in held:
                taken.release()
            raise
        held.append(lock)
    return held, deferred


def _holder_of(text: str) -> str:
    try:
        return str(json.loads(text)["holder"])
    except (ValueError, KeyError, TypeError):
        return "a process that has not named itself yet"


def _pg_holder(conn: sa.Connection, key: int) -> str:
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    row = conn.execute(
        sa.text(
            "SELECT a.application_name, a.client_addr, a.backend_start FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
            "AND l.granted AND l.classid = :hi AND l.objid = :lo AND l.objsubid = 1"
        ),
        {"hi": unsigned >> 32, "lo": unsigned & 0xFFFFFFFF},
    ).first()
    if row is None:
        return "a session that just ended"
    name, address, since = row
    who = name.removeprefix("crawler ") if name and name.startswith("crawler ") else repr(name)
    where = f" (connected from {address})" if address else ""
    return f"{who}{where} since {since.isoformat(timespec='seconds')}"
