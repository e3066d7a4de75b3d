"""Last pipeline: batched, retried writes to the database, and the crawl's `crawl_runs` record."""

from __future__ import annotations

import logging
from dataclasses import fields
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.statscollectors import StatsCollector
from scrapy.utils.asyncio import create_looping_call, run_in_thread
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.defer import DeferredLock
from twisted.python.failure import Failure

from crawler.frontier import FrontierRecorder
from crawler.items import ArticleItem
from crawler.storage import (
    BatchResult,
    BatchWriter,
    Database,
    DatabaseUnavailable,
    StorageDown,
    WriteOutcome,
    open_database,
)

logger = logging.getLogger(__name__)

#: Close reason when the database cannot be used; also a ``crawl_runs.status``.
DB_UNAVAILABLE = "db_unavailable"
#: Scrapy close reasons that mean the crawl was stopped, not finished.
_INTERRUPTED = {"shutdown", "cancelled"}


class StorePipeline:
    """Stores `ArticleItem`s in batches and records the crawl in ``crawl_runs``.

    Settings: ``CRAWLER_DB_URL``; ``CRAWLER_DB_BATCH_SIZE`` (items per transaction, 20);
    ``CRAWLER_DB_FLUSH_INTERVAL`` (seconds between timed flushes, 1.0); ``CRAWLER_DB_RETRIES``
    (attempts per batch, 6) and ``CRAWLER_DB_RETRY_BACKOFF`` (first delay, 0.5 s);
    ``CRAWLER_DB_BUSY_TIMEOUT`` (SQLite lock wait, 30 s); ``CRAWLER_RUN_ID`` (a run the caller
    already started, else one is started here for ``CRAWLER_SOURCE`` / ``CRAWLER_SOURCES``).

    Stats: ``news/store/<stored|duplicate|merged|updated|unchanged>``, ``news/store/retries``,
    ``news/store/lost`` (items that could not be stored; a crawl with any should exit
    non-zero), ``news/store/run_id``. A database unusable at start closes the spider with
    reason ``db_unavailable`` before any request is sent; one that stays down during the
    crawl closes it with the same reason. With the database frontier (`crawler.frontier`),
    each batch's transaction also writes the frontier's buffered changes and marks the
    batch's URLs done: no URL is done without its article row.
    """

    def __init__(
        self,
        crawler: Crawler,
        db_url: str,
        batch_size: int = 20,
        flush_interval: float = 1.0,
        attempts: int = 4,
        backoff: float = 0.5,
        busy_timeout: float = 30.0,
        run_id: int | None = None,
        source: str | None = None,
        sources: tuple[str, ...] = (),
    ) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.db_url = db_url
        self.batch_size = max(1, batch_size)
        self.flush_interval = flush_interval
        self.attempts = attempts
        self.backoff = backoff
        self.busy_timeout = busy_timeout
        self.database: Database | None = None
        self.writer: BatchWriter | None = None
        self.frontier: FrontierRecorder | None = None
        self.run_id = run_id
        self.source = source
        self.sources = sources
        self.down = False
        self._pending: list[ArticleItem] = []
        self._lock = DeferredLock()
        self._timer: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        pipeline = cls(
            crawler,
            settings.get("CRAWLER_DB_URL") or "sqlite:///news.db",
            batch_size=settings.getint("CRAWLER_DB_BATCH_SIZE", 20),
            flush_interval=settings.getfloat("CRAWLER_DB_FLUSH_INTERVAL", 1.0),
            attempts=settings.getint("CRAWLER_DB_RETRIES", 6),
            backoff=settings.getfloat("CRAWLER_DB_RETRY_BACKOFF", 0.5),
            busy_timeout=settings.getfloat("CRAWLER_DB_BUSY_TIMEOUT", 30.0),
            run_id=settings.getint("CRAWLER_RUN_ID", 0) or None,
            source=settings.get("CRAWLER_SOURCE") or None,
            sources=tuple(settings.getlist("CRAWLER_SOURCES")),
        )
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    async def open_spider(self) -> None:
        try:
            self.database = await run_in_thread(
                open_database, self.db_url, busy_timeout=self.busy_timeout
            )
            if self.run_id is None:
                self.run_id = await run_in_thread(self._start_run)
        except (DatabaseUnavailable, SQLAlchemyError) as exc:
            logger.error("%s", exc)
            self.down = True
            raise CloseSpider(DB_UNAVAILABLE) from None
        self.stats.set_value("news/store/run_id", self.run_id)
        self.writer = BatchWriter(self.database, attempts=self.attempts, backoff=self.backoff)
        self.frontier = self.crawler.get_extension(FrontierRecorder)
        if self.flush_interval > 0:
            self._timer = create_looping_call(self._timed_flush)
            self._timer.start(self.flush_interval, now=False)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        if self.down:
            self._lose([item], "database unavailable")
        else:
            self._pending.append(item)
            if len(self._pending) >= self.batch_size:
                await self.flush(force=False)
        return item

    async def close_spider(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        await self.flush(force=True)

    async def flush(self, force: bool = True) -> None:
        """Write full batches (and, with ``force``, the last partial one), one at a time."""
        await maybe_deferred_to_future(self._lock.acquire())
        try:
            while self._pending and (force or len(self._pending) >= self.batch_size):
                batch = self._pending[: self.batch_size]
                del self._pending[: self.batch_size]
                await self._write(batch)
        finally:
            self._lock.release()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Record how the crawl ended in ``crawl_runs``, then release the database."""
        if self.database is None:
            return
        lost = self.stats.get_value("news/store/lost", 0)
        try:
            if self.run_id is not None:
                self.database.finish_run(
                    self.run_id, _run_status(reason, lost), self.stats.get_stats(), self._counts()
                )
        except Exception as exc:
            logger.error("could not record the end of run %s: %s", self.run_id, exc)
        finally:
            self.database.close()

    async def _write(self, batch: list[ArticleItem]) -> None:
        if self.down:
            self._lose(batch, "database unavailable")
            return
        writer = self.writer
        assert writer is not None
        try:
            outcome: WriteOutcome
            if self.frontier is not None:  # the frontier's changes go in the same transaction
                outcome = await self.frontier.commit(lambda frontier: writer.write(batch, frontier))
            else:
                outcome = await run_in_thread(writer.write, batch)
        except StorageDown as exc:
            logger.error("%s; closing the spider", exc)
            self.down = True
            self._lose(batch, str(exc))
            deferred_from_coro(
                self.crawler.engine.close_spider_async(reason=DB_UNAVAILABLE)
            ).addErrback(_log_failure)
            return
        for name in (f.name for f in fields(BatchResult)):
            if value := getattr(outcome.result, name):
                self.stats.inc_value(f"news/store/{name}", value)
        self.stats.inc_value("news/store/batches")
        if outcome.retries:
            self.stats.inc_value("news/store/retries", outcome.retries)
        if outcome.lost:
            self.stats.inc_value("news/store/lost", len(outcome.lost))

    def _timed_flush(self) -> None:
        if self._pending and not self._lock.locked:
            deferred_from_coro(self.flush(force=True)).addErrback(_log_failure)

    def _start_run(self) -> int:
        assert self.database is not None
        spider = self.crawler.spider
        source = self.source or getattr(spider, "source", None)
        return self.database.start_run(spider.name if spider else "", source, self.sources)

    def _lose(self, items: list[ArticleItem], why: str) -> None:
        for item in items:
            logger.error("not stored (%s): %s", why, item.article.url)
        self.stats.inc_value("news/store/lost", len(items))

    def _counts(self) -> dict[str, int]:
        value = self.stats.get_value
        dropped = sum(v for k, v in self.stats.get_stats().items() if k.startswith("dropped/"))
        return {
            "stored": value("news/store/stored", 0),
            "updated": value("news/store/updated", 0),
            "duplicate": value("news/store/duplicate", 0) + value("news/store/merged", 0),
            "dropped": dropped,
            "failed": value("news/store/lost", 0),
        }


def _run_status(reason: str, lost: int) -> str:
    if reason == DB_UNAVAILABLE:
        return DB_UNAVAILABLE
    if reason in _INTERRUPTED:
        return "interrupted"
    if lost or not (reason == "finished" or reason.startswith("closespider_")):
        return "failed"
    return "completed"


def _log_failure(failure: Failure) -> None:
    logger.error("store pipeline: %s", failure.getErrorMessage())
