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

    A transient fault rolls the batch back and retries it up to ``attempts`` times with
    exponential backoff, then raises `StorageDown`. Any other fault is blamed on the data:
    the batch is split in halves until the failing items are alone, and those are reported
    as lost while the rest are stored.
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

    def write(self, items: Sequence[ArticleItem]) -> WriteOutcome:
        """Store ``items``; raises `StorageDown` when the database stays unusable."""
        if not items:
            return WriteOutcome(BatchResult())
        retries = 0
        while True:
            try:
                return WriteOutcome(self.database.store_batch(items), retries=retries)
            except TRANSIENT as exc:
                if retries + 1 >= self.attempts:
                    raise StorageDown(
                        f"database unavailable after {retries + 1} attempts: {first_line(exc)}",
                        items,
                    ) from exc
                delay = self.backoff * 2**retries
                logger.warning(
                    "storing %d items failed (%s); retrying in %.1fs",
                    len(items),
                    first_line(exc),
                    delay,
                )
                retries += 1
                self.sleep(delay)
            except Exception as exc:
                return self._isolate(items, exc, retries)

    def _isolate(self, items: Sequence[ArticleItem], exc: Exception, retries: int) -> WriteOutcome:
        if len(items) == 1:
            url = items[0].article.url
            logger.error("could not store %s: %s", url, first_line(exc))
            return WriteOutcome(BatchResult(), (LostItem(url, first_line(exc)),), retries)
        middle = len(items) // 2
        outcome = self.write(items[:middle]) + self.write(items[middle:])
        return WriteOutcome(outcome.result, outcome.lost, outcome.retries + retries)
