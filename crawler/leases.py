"""Source leases: at most one crawl of a source at a time, across processes and hosts.

A lease is a ``source_leases`` row (source, holder, acquired_at, expires_at). A holder
takes a source's lease when there is no row, the row is its own, or the row has expired;
it renews the lease while it crawls (`Heartbeat`) and deletes it when done. A holder that
was killed stops renewing, so its lease expires after ``ttl`` and another run takes over.
Expiry is judged by the callers' clocks: hosts sharing a database need synchronised clocks
(NTP), with a skew well under the ttl.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa

from crawler.schedule import Clock, system_clock
from crawler.storage.models import SourceLease
from crawler.storage.session import write_transaction

LEASES = cast(sa.Table, SourceLease.__table__)
#: How long a lease lasts without renewal; a heartbeat renews it every third of this.
DEFAULT_TTL = timedelta(minutes=2)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds a source's lease, since when and until when."""

    source: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


def new_holder() -> str:
    """A holder name unique to this process and call: ``host:pid:random``."""
    return f"{socket.gethostname()[:200]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire_lease(
    engine: sa.Engine, source: str, holder: str, ttl: timedelta, now: datetime
) -> Lease:
    """Take (or renew) ``source``'s lease for ``holder`` unless another live holder has it.

    Returns the lease as it stands afterwards: ``lease.holder == holder`` when taken.
    Writers are serialised (SQLite write lock, PostgreSQL advisory lock), so of two
    callers at the same moment exactly one gets the lease.
    """
    with write_transaction(engine, lock=f"source-lease:{source}") as conn:
        row = conn.execute(sa.select(LEASES).where(LEASES.c.source == source)).mappings().first()
        if row is not None and row["holder"] != holder and row["expires_at"] > now:
            return Lease(**row)
        lease = Lease(source, holder, now, now + ttl)
        values = {"holder": holder, "acquired_at": now, "expires_at": lease.expires_at}
        if row is None:
            conn.execute(LEASES.insert().values(source=source, **values))
        else:
            conn.execute(LEASES.update().where(LEASES.c.source == source).values(**values))
        if row is not None and row["holder"] != holder:
            logger.warning(
                "took over the expired lease of source %r from %s (expired %s)",
                source,
                row["holder"],
                row["expires_at"].isoformat(),
            )
        return lease


def renew_lease(engine: sa.Engine, source: str, holder: str, ttl: timedelta, now: datetime) -> bool:
    """Extend ``holder``'s lease on ``source`` to ``now + ttl``; False if it is no longer held."""
    with write_transaction(engine) as conn:
        result = conn.execute(
            LEASES.update()
            .where(LEASES.c.source == source, LEASES.c.holder == holder)
            .values(expires_at=now + ttl)
        )
        return result.rowcount == 1


def release_lease(engine: sa.Engine, source: str, holder: str) -> None:
    """Give up ``holder``'s lease on ``source`` (nothing happens if another holds it)."""
    with write_transaction(engine) as conn:
        conn.execute(LEASES.delete().where(LEASES.c.source == source, LEASES.c.holder == holder))


def live_leases(engine: sa.Engine, now: datetime) -> list[Lease]:
    """The leases not yet expired at ``now``, by source."""
    query = sa.select(LEASES).where(LEASES.c.expires_at > now).order_by(LEASES.c.source)
    with engine.connect() as conn:
        return [Lease(**row) for row in conn.execute(query).mappings()]


class Heartbeat:
    """Renews a holder's leases every ``ttl / 3`` in a background thread until stopped.

    ``on_lost(source)`` is called (from the thread) when a lease turns out to be held by
    someone else: this holder stalled for longer than the ttl and was taken over. A failed
    renewal (database unreachable) is logged and retried at the next beat.
    """

    def __init__(
        self,
        engine: sa.Engine,
        holder: str,
        sources: Iterable[str],
        ttl: timedelta = DEFAULT_TTL,
        clock: Clock = system_clock,
        on_lost: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.holder = holder
        self.sources = list(sources)
        self.ttl = ttl
        self.clock = clock
        self.on_lost = on_lost
        self.beats = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def beat(self) -> None:
        """Renew every lease still held once."""
        for source in list(self.sources):
            try:
                held = renew_lease(self.engine, source, self.holder, self.ttl, self.clock())
            except sa.exc.SQLAlchemyError as exc:
                logger.error("cannot renew the lease of source %r: %s", source, exc)
                continue
            if not held:
                logger.error("lost the lease of source %r to another run", source)
                self.sources.remove(source)
                if self.on_lost is not None:
                    self.on_lost(source)
        self.beats += 1

    def _run(self) -> None:
        while not self._stop.wait(self.ttl.total_seconds() / 3):
            self.beat()
