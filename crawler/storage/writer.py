"""Batches written with retries: transient faults retried, bad items isolated and reported."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from crawler.items import ArticleItem
from crawler.storage.database import Database
from crawler.storage.engine import first_line
from crawler.storage.frontier import FAILED, FrontierBatch, frontier_key
from crawler.storage.upsert import BatchResult

logger = logging.getLogger(__name__)

#: Faults of the database rather than of the data: locked, disconnected, disk full, read-only.
TRANSIENT = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


class StorageDown(Exception):
    """The database kept failing for every attempt; ``items`` were not stored."""

    def __init__(self, message: str, items: Sequence[ArticleItem]) -> None:
        super().__init__(message)
        self.items = tuple(items)


@dataclass(frozen=True, slots=True)
class LostItem:
    """An item that could not be stored, and why."""

    url: str
    error: str


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What a write did: the batch result, items lost to bad data, and retries made."""

    result: BatchResult
    lost: tuple[LostItem, ...] = ()
    retries: int = 0

    def __add__(self, other: WriteOutcome) -> WriteOutcome:
        return WriteOutcome(
            self.result + other.result, self.lost + other.lost, self.retries + other.retries
        )


class BatchWriter:
    """Stores batches through ``Database.store_batch``.

    A transient fault (a lost connection, a restarting server: the engine's pre-ping
    replaces dead pooled connections) rolls the batch back and retries it up to
    ``attempts`` times with exponential backoff, then raises `StorageDown`: the database
    may stay unusable for ``backoff * (2**(attempts - 1) - 1)`` seconds (the retry window,
    15.5 s with the crawl's six attempts) without a batch being lost. Any other fault is
    blamed on the data: the batch is split in halves until the failing items are alone, and
    those are reported as lost while the rest are stored. A batch's frontier changes
    (``frontier``) are then written on their own first, and each lost item's URL is marked
    failed.
    """

    def __init__(
        self,
        database: Database,
        *,
        attempts: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.database = database
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.sleep = sleep

    def write(
        self, items: Sequence[ArticleItem], frontier: FrontierBatch | None = None
    ) -> WriteOutcome:
        """Store ``items`` (and ``frontier``); raises `StorageDown` when the database stays
        unusable."""
        if not items and frontier is None:
            return WriteOutcome(BatchResult())
        retries = 0
        while True:
            try:
                return WriteOutcome(self.database.store_batch(items, frontier), retries=retries)
            except TRANSIENT as exc:
                if retries + 1 >= self.attempts:
                    raise StorageDown(
                        f"database unavailable after {retries + 1} attempts: {first_line(exc)}",
                        items,
                    ) from exc
                delay = self.backoff * 2**retries
                logger.warning(
                    "%s failed (%s); retrying in %.1fs",
                    f"storing {len(items)} items" if items else "writing the frontier",
                    first_line(exc),
                    delay,
                )
                retries += 1
                self.sleep(delay)
            except Exception as exc:
                if not items:  # frontier changes alone: nothing to blame but the database
                    raise StorageDown(f"frontier not writable: {first_line(exc)}", ()) from exc
                return self._isolate(items, exc, retries, frontier)

    def _isolate(
        self,
        items: Sequence[ArticleItem],
        exc: Exception,
        retries: int,
        frontier: FrontierBatch | None,
    ) -> WriteOutcome:
        if frontier is not None and frontier.changes:
            retries += self.write((), frontier).retries
            frontier = frontier.without_changes()
        if len(items) == 1:
            url = items[0].article.url
            logger.error("could not store %s: %s", url, first_line(exc))
            if frontier is not None:
                failed = frontier.without_changes()
                key = frontier_key(items[0].requested_url)
                failed.changes.finish(key, items[0].requested_url, "article", FAILED, str(exc))
                retries += self.write((), failed).retries
            return WriteOutcome(BatchResult(), (LostItem(url, first_line(exc)),), retries)
        middle = len(items) // 2
        outcome = self.write(items[:middle], frontier) + self.write(items[middle:], frontier)
        return WriteOutcome(outcome.result, outcome.lost, outcome.retries + retries)
