"""The database frontier of a crawl: what it must fetch, recorded so that a killed crawl resumes.

`FrontierRecorder` (an extension) owns one crawl scope's frontier (``crawler.storage.
frontier``): it takes the scope's lock (and the JOBDIR's) before the engine exists, opens
or resumes the scope's pass when the spider opens, buffers what the middlewares of
``crawler.middlewares.frontier`` report, and writes the buffer every
``CRAWLER_FRONTIER_FLUSH_INTERVAL`` seconds, every ``CRAWLER_FRONTIER_BATCH`` changes, and
inside every article batch the store pipeline writes (`commit`), so that a page's
completion never commits before the links it yielded and an article's URL is done in the
transaction that stores its row. Writes are serialised and retried like the store
pipeline's; a database that stays down closes the spider with reason ``db_unavailable``.

Seeds (start pages, feeds, sitemaps the user gave) are not recorded: they are read again
by every crawl. A crawl that ends with reason ``finished`` closes the pass; any other end
(SIGTERM, a database fault, SIGKILL) leaves it open for the next crawl of the scope to
resume: its pending and in-progress URLs are queued again, and what it finished is not
fetched again.

Settings: ``CRAWLER_FRONTIER`` (on; off under ``CRAWLER_REDIS_URL``, whose Redis frontier
does this job), ``CRAWLER_FRONTIER_FLUSH_INTERVAL`` (0.5 s), ``CRAWLER_FRONTIER_BATCH``
(500), ``CRAWLER_FRONTIER_LEASE`` (seconds a fetch may hold its URL, 600),
``CRAWLER_FRONTIER_MAX_ATTEMPTS`` (crawls that may try a failed URL, 3),
``CRAWLER_FRONTIER_MAX_UNPROCESSED`` (pages of one host fetched or being fetched, not yet
through their callback, 16; 0 = no bound; see `FrontierRecorder.admit`), ``CRAWLER_DB_URL``,
``CRAWLER_DB_RETRIES``, ``CRAWLER_DB_RETRY_BACKOFF``, ``CRAWLER_DB_BUSY_TIMEOUT``,
``CRAWLER_SOURCE``, ``JOBDIR``.
Stats: ``news/frontier/<recorded|requeued|commits|resumed|epoch>``,
``news/frontier/refetched_after_db_fault``, ``drop/frontier_done``.

A database fault while a page is fetched or processed (a middleware's query on a killed
connection or a restarting server) says nothing about the page and loses what it yielded:
the page is fetched again in the same crawl (`FrontierRecorder.refetch`), so a crawl that
ends ``finished`` has left no page behind; one whose database stays down past the retry
window closes with ``db_unavailable`` and leaves the pass open for the next crawl.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

from scrapy import Request, signals
from scrapy.exceptions import CloseSpider, IgnoreRequest, NotConfigured
from scrapy.utils.asyncio import create_looping_call, run_in_thread
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.defer import DeferredLock

from crawler.admission import HostAdmission
from crawler.crawllock import CrawlLock, CrawlLocked, frontier_scope, scope_lock, take_locks
from crawler.items import ArticleItem
from crawler.jobdir import prepare_jobdir
from crawler.middlewares.conditional import CONDITIONAL_META
from crawler.middlewares.drops import drop_reason, response_refused
from crawler.middlewares.incremental import is_internal
from crawler.net.downloader import given_up
from crawler.request_records import (
    FRONTIER_META_PREFIX,
    rebuild_request,
    request_kind,
    request_record,
)
from crawler.storage import BatchWriter, Database, DatabaseUnavailable, StorageDown, open_database
from crawler.storage.engine import first_line
from crawler.storage.frontier import (
    DONE,
    FAILED,
    FrontierBatch,
    FrontierChanges,
    Opening,
    Pass,
    Requeued,
    close_pass,
    frontier_key,
    open_pass,
)
from crawler.storage.writer import TRANSIENT

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.spiders import Spider
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: Close reason (and ``crawl_runs.status``) when the database cannot be used.
DB_UNAVAILABLE = "db_unavailable"
#: Close reason when another crawl took the scope's lock (its connection was lost).
LOCK_LOST = "frontier_lock_lost"
#: Close reason when another crawl of the scope holds its lock.
LOCKED = "frontier_locked"
#: Meta keys of this module (never recorded): the request's frontier key, seeds (not
#: recorded), requeued, and how often the page was fetched again after a database fault.
KEY_META = FRONTIER_META_PREFIX + "key"
SEED_META = FRONTIER_META_PREFIX + "seed"
REQUEUED_META = FRONTIER_META_PREFIX + "requeued"
DB_RETRY_META = FRONTIER_META_PREFIX + "db_retries"
_REFETCHED_META = FRONTIER_META_PREFIX + "refetched"


def mark_refetched(response: Response) -> None:
    """Note that ``response``'s page is being fetched again (its outputs are to be dropped)."""
    if response.request is not None:
        response.request.meta[_REFETCHED_META] = True


def refetched(response: Response) -> bool:
    """True once `mark_refetched` was called for ``response``."""
    return response.request is not None and bool(response.request.meta.get(_REFETCHED_META))


class FrontierRecorder:
    """Records a crawl's page requests in the database frontier and resumes killed crawls."""

    def __init__(
        self,
        crawler: Crawler,
        db_url: str,
        scope: str,
        source: str | None,
        locks: list[CrawlLock],
        flush_interval: float = 0.5,
        batch: int = 500,
        lease: float = 600.0,
        max_attempts: int = 3,
        max_unprocessed: int = 16,
        attempts: int = 4,
        backoff: float = 0.5,
        busy_timeout: float = 30.0,
    ) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.db_url = db_url
        self.scope = scope
        self.source = source
        self.locks = locks
        self.flush_interval = flush_interval
        self.batch = max(1, batch)
        self.lease = timedelta(seconds=lease)
        self.max_attempts = max_attempts
        self.attempts = attempts
        self.backoff = backoff
        self.busy_timeout = busy_timeout
        self.deferred_lock: CrawlLock | None = None  # taken when the spider opens
        self.database: Database | None = None
        self.writer: BatchWriter | None = None
        self.current: Pass | None = None
        self.finished: set[str] = set()
        self.down = False
        self._closing = False
        self._requeue: list[Requeued] = []
        self._seen: set[str] = set()
        self.admission = HostAdmission(max_unprocessed)
        self._buffer = FrontierChanges()
        self._lock = DeferredLock()
        self._timer: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the recorder and take its locks (`CrawlLocked` stops the crawl here)."""
        settings = crawler.settings
        if not settings.getbool("CRAWLER_FRONTIER", True):
            raise NotConfigured("CRAWLER_FRONTIER is off")
        if settings.get("CRAWLER_REDIS_URL"):
            raise NotConfigured("the Redis frontier keeps this crawl's state")
        spider = crawler.spider
        assert spider is not None
        source = settings.get("CRAWLER_SOURCE") or getattr(spider, "source", None)
        seeds = tuple(getattr(spider, "seed_urls", ()) or getattr(spider, "start_urls", ()))
        scope = frontier_scope(spider.name, source, seeds)
        db_url = settings.get("CRAWLER_DB_URL") or "sqlite:///news.db"
        jobdir = settings.get("JOBDIR")
        locks, deferred = take_locks(scope_lock(db_url, scope), jobdir)
        if jobdir:
            prepare_jobdir(Path(jobdir), queue_in_database=True)
        recorder = cls(
            crawler,
            db_url,
            scope,
            source,
            locks,
            flush_interval=settings.getfloat("CRAWLER_FRONTIER_FLUSH_INTERVAL", 0.5),
            batch=settings.getint("CRAWLER_FRONTIER_BATCH", 500),
            lease=settings.getfloat("CRAWLER_FRONTIER_LEASE", 600.0),
            max_attempts=settings.getint("CRAWLER_FRONTIER_MAX_ATTEMPTS", 3),
            max_unprocessed=settings.getint("CRAWLER_FRONTIER_MAX_UNPROCESSED", 16),
            attempts=settings.getint("CRAWLER_DB_RETRIES", 6),
            backoff=settings.getfloat("CRAWLER_DB_RETRY_BACKOFF", 0.5),
            busy_timeout=settings.getfloat("CRAWLER_DB_BUSY_TIMEOUT", 30.0),
        )
        recorder.deferred_lock = deferred
        for handler, signal in (
            (recorder.spider_opened, signals.spider_opened),
            (recorder.spider_closed, signals.spider_closed),
            (recorder.item_dropped, signals.item_dropped),
            (recorder.item_error, signals.item_error),
            (recorder.request_dropped, signals.request_dropped),
            (recorder.response_downloaded, signals.response_downloaded),
            (recorder.response_refused, response_refused),
        ):
            crawler.signals.connect(handler, signal=signal)
        return recorder

    # --- lifecycle -----------------------------------------------------------------

    async def spider_opened(self) -> None:
        run_id = self.stats.get_value("news/store/run_id")
        try:
            if self.deferred_lock is not None:
                await run_in_thread(self.deferred_lock.acquire)
                self.locks.append(self.deferred_lock)
                self.deferred_lock = None
            self.database = await run_in_thread(
                open_database, self.db_url, busy_timeout=self.busy_timeout
            )
            opening = await run_in_thread(self._retrying, self._open, run_id)
        except CrawlLocked as exc:
            logger.error("%s", exc)
            self.down = True
            raise CloseSpider(LOCKED) from None
        except (DatabaseUnavailable, SQLAlchemyError, OSError) as exc:
            logger.error("frontier %s: %s", self.scope, exc)
            self.down = True
            raise CloseSpider(DB_UNAVAILABLE) from None
        self.writer = BatchWriter(self.database, attempts=self.attempts, backoff=self.backoff)
        self.current, self.finished, self._requeue = (
            opening.current,
            opening.finished,
            opening.requeue,
        )
        self.stats.set_value("news/frontier/epoch", self.current.epoch)
        if opening.current.resumed:
            self.stats.set_value("news/frontier/resumed", 1)
            logger.info(
                "frontier %s: resuming pass %d: %d requests queued again, %d URLs already done",
                self.scope,
                self.current.epoch,
                len(self._requeue),
                len(self.finished),
            )
        if self.flush_interval > 0:
            self._timer = create_looping_call(self._tick)
            self._timer.start(self.flush_interval, now=False)

    async def spider_closed(self, reason: str) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        try:
            await self.flush()
            if reason == "finished" and not self.down and not self._buffer:
                await run_in_thread(self._retrying, self._close)
        except (StorageDown, SQLAlchemyError) as exc:
            logger.error("frontier %s: could not record the end of the crawl: %s", self.scope, exc)
        finally:
            for lock in reversed(self.locks):
                lock.release()
            if self.database is not None:
                self.database.close()

    # --- what the middlewares and signals report --------------------------------------

    def seed(self, request: Request) -> None:
        """A start request: not recorded (read again by every crawl) unless it is an article."""
        if request_kind(request) != "article":
            request.meta[SEED_META] = True

    def requeued_requests(self, spider: Spider) -> Iterator[Request]:
        """The requests the scope's last crawl left pending (once)."""
        entries, self._requeue = self._requeue, []
        for entry in entries:
            key = frontier_key(entry.url)
            try:
                request = rebuild_request(entry, spider)
            except (ValueError, KeyError, AttributeError) as exc:
                logger.warning("frontier: cannot queue %s again: %s", entry.url, exc)
                self._record_finish(key, entry.url, entry.kind, FAILED, f"not rebuilt: {exc}")
                continue
            request.meta.update({KEY_META: key, REQUEUED_META: True})
            self._seen.add(request.url)
            self.stats.inc_value("news/frontier/requeued")
            yield request

    def discovered(self, request: Request, spider: Spider) -> bool:
        """Record a request a page yielded; False when this pass already finished its URL."""
        if request.url in self._seen or is_internal(request):
            return True
        self._seen.add(request.url)
        key = frontier_key(request.url)
        if key in self.finished:
            self.stats.inc_value("drop/frontier_done")
            return False
        request.meta[KEY_META] = key
        self._buffer.add(key, request.url, request_kind(request), request_record(request, spider))
        self.stats.inc_value("news/frontier/recorded")
        self._maybe_flush()
        return True

    def fetching(self, request: Request) -> None:
        """A request reached the downloader: its URL is in progress."""
        if self._tracked(request):
            self._buffer.start(self._key(request))

    async def admit(self, request: Request) -> None:
        """Wait for room among the host's pages not yet processed (`HostAdmission`). A page
        fetched again after a database fault (`refetch`) first waits like a retried store
        batch: ``CRAWLER_DB_RETRY_BACKOFF * 2**(n - 1)`` seconds before its n-th fetch."""
        if tries := int(request.meta.get(DB_RETRY_META, 0)):
            await asyncio.sleep(self.backoff * 2 ** (tries - 1))
        if self._tracked(request):
            await self.admission.enter(urlparse_cached(request).netloc, self._key(request))

    def _release(self, request: Request) -> None:
        """The request's page is processed (or its fetch ended): its host has room again."""
        self.admission.leave(urlparse_cached(request).netloc, self._key(request))

    def page_finished(
        self, response: Response, outputs: list[Any], spider: Spider, error: Exception | None = None
    ) -> list[Any]:
        """A callback's outputs: the requests recorded (those already done dropped), then the
        page done, failed, or left to the store pipeline when it yielded an article. After a
        database fault the outputs are only the page fetched again (see `refetch`)."""
        kept = [o for o in outputs if not isinstance(o, Request) or self.discovered(o, spider)]
        request = response.request
        if request is not None and isinstance(error, SQLAlchemyError):
            again = self.refetch(request, error)  # the outputs come again with the page
            return [again] if again is not None else []
        if request is None or not self._tracked(request):
            return kept
        self._release(request)
        if any(isinstance(o, ArticleItem) for o in outputs):
            return kept  # done in the transaction that stores it (or when it is dropped)
        if error is not None:
            self._finish(request, FAILED, f"{type(error).__name__}: {error}")
        elif response.status >= 400:
            self._finish(request, FAILED, f"http_{response.status}")
        else:
            self._finish(request, DONE)
        return kept

    def fetch_failed(self, request: Request, exception: BaseException) -> Request | None:
        """A download ended with ``exception`` (retries over) or was refused; after a database
        fault (a middleware's query), the request to fetch instead (see `refetch`). A request
        given up at a stop (never sent) is left in progress: the next crawl fetches it."""
        if isinstance(exception, SQLAlchemyError):
            return self.refetch(request, exception)
        if not self._tracked(request):
            return None
        self._release(request)
        if given_up(exception):
            return None  # never sent: its URL stays in progress for the next crawl
        if isinstance(exception, IgnoreRequest):
            self._dropped(request, exception)
        else:
            self._finish(request, FAILED, f"{type(exception).__name__}: {exception}")
        return None

    def response_refused(self, request: Request, exception: IgnoreRequest) -> None:
        """A middleware refused the downloaded response (a redirect loop or limit, a
        decompression bomb) from ``process_response``, where no ``process_exception`` sees
        it (`crawler.middlewares.drops.record_refusal`): the page is done, as dropped."""
        if self._tracked(request):
            self._release(request)
            self._dropped(request, exception)

    def refetch(self, request: Request, error: BaseException) -> Request | None:
        """``request`` again, after a database fault while it was fetched or processed.

        The fault says nothing about the page, and what the page yielded was lost with it,
        so the page is fetched again in this crawl (its frontier row stays in progress
        meanwhile), seeds included, up to ``CRAWLER_DB_RETRIES`` fetches in all, waiting
        like a retried store batch (`admit`). After that the database counts as down: None,
        and the spider closes with reason ``db_unavailable`` (its URL still in progress, so
        the next crawl fetches it), never ``finished`` with a page silently lost.
        """
        if self._tracked(request):
            self._release(request)
        if is_internal(request):
            return None
        tries = int(request.meta.get(DB_RETRY_META, 0)) + 1
        if tries >= self.attempts:
            logger.error(
                "frontier: database fault on %s again (%d fetches: %s); closing the spider",
                request.url,
                tries,
                first_line(error),
            )
            self._close_spider(DB_UNAVAILABLE)
            return None
        logger.warning(
            "frontier: database fault on %s (%s); fetching it again", request.url, first_line(error)
        )
        self.stats.inc_value("news/frontier/refetched_after_db_fault")
        again = request.replace(dont_filter=True)
        again.meta[DB_RETRY_META] = tries
        return again

    def response_downloaded(self, response: Response, request: Request) -> None:
        """A ``304`` to a conditional request: the page is as the finished crawl that saved
        its validators read it, so it is done. `ConditionalRequestMiddleware` ends such a
        request with ``IgnoreRequest`` from ``process_response``, which no downloader
        middleware's ``process_exception`` sees, so it is recorded here, when it arrives."""
        if response.status == 304 and request.meta.get(CONDITIONAL_META) and self._tracked(request):
            self._release(request)
            self._finish(request, DONE, "dropped: not modified")

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(item, ArticleItem):
            url = item.requested_url
            self._record_finish(frontier_key(url), url, "article", DONE, f"dropped: {exception}")

    def item_error(self, item: Any, failure: Any) -> None:
        if isinstance(item, ArticleItem):
            url = item.requested_url
            error = f"item error: {failure.getErrorMessage()}"
            self._record_finish(frontier_key(url), url, "article", FAILED, error)

    def request_dropped(self, request: Request) -> None:
        """A redirect to a URL this crawl already queued: the page is reached that way."""
        if self._tracked(request) and request.meta.get("redirect_urls"):
            self._release(request)
            self._finish(request, DONE, f"redirected to {request.url}, already queued")

    # --- writing -------------------------------------------------------------------

    async def commit(self, write: Callable[[FrontierBatch | None], T]) -> T:
        """Run ``write`` in a thread with the buffered changes (None before the pass is
        open or once the database is down); they are put back if it raises."""
        await maybe_deferred_to_future(self._lock.acquire())
        try:
            if self.current is None or self.down:
                return await run_in_thread(write, None)
            changes = self._buffer.take()
            try:
                result = await run_in_thread(
                    write, FrontierBatch(self.current, changes, self.lease)
                )
            except BaseException:
                self._buffer.restore(changes)
                raise
            self.stats.inc_value("news/frontier/commits")
            return result
        finally:
            self._lock.release()

    async def flush(self) -> None:
        """Write the buffer now (closing the spider when the database stays down)."""
        if self.down or self.current is None or not self._buffer:
            return
        writer = self.writer
        assert writer is not None
        try:
            await self.commit(lambda batch: writer.write((), batch))
        except StorageDown as exc:
            logger.error("frontier %s: %s; closing the spider", self.scope, exc)
            self.down = True
            self._close_spider(DB_UNAVAILABLE)

    # --- helpers -------------------------------------------------------------------

    def _close_spider(self, reason: str) -> None:
        if not self._closing:
            self._closing = True
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))

    def _tracked(self, request: Request) -> bool:
        return not (request.meta.get(SEED_META) or is_internal(request))

    def _key(self, request: Request) -> str:
        key = request.meta.get(KEY_META)
        if key is None:
            redirects = request.meta.get("redirect_urls")
            key = frontier_key(redirects[0] if redirects else request.url)
            request.meta[KEY_META] = key
        return str(key)

    def _dropped(self, request: Request, exception: IgnoreRequest) -> None:
        """Done, with the ``drop/<reason>`` (the message of an unnamed refusal) as its error."""
        reason = drop_reason(exception)
        if reason == "ignored":
            reason = str(exception) or reason
        self._finish(request, DONE, f"dropped: {reason}")

    def _finish(self, request: Request, state: str, error: str | None = None) -> None:
        redirects = request.meta.get("redirect_urls")
        url = redirects[0] if redirects else request.url
        self._record_finish(self._key(request), url, request_kind(request), state, error)

    def _record_finish(
        self, key: str, url: str, kind: str, state: str, error: str | None = None
    ) -> None:
        self._buffer.finish(key, url, kind, state, error)
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        if len(self._buffer) >= self.batch and not self._lock.locked:
            deferred_from_coro(self.flush())

    def _tick(self) -> None:
        deferred_from_coro(self._beat())

    async def _beat(self) -> None:
        """Check the locks (off the reactor: a PostgreSQL reconnect may wait), then flush."""
        try:
            for lock in self.locks:
                await run_in_thread(lock.check)
        except CrawlLocked as exc:
            logger.error("frontier %s: lock lost: %s; closing the spider", self.scope, exc)
            self.down = True
            await self.crawler.engine.close_spider_async(reason=LOCK_LOST)
            return
        if self._buffer and not self._lock.locked:
            await self.flush()

    def _open(self, run_id: int | None) -> Opening:
        assert self.database is not None
        with self.database.write() as conn:
            return open_pass(
                conn, self.scope, self.source, run_id, self.database.clock(), self.max_attempts
            )

    def _close(self) -> None:
        assert self.database is not None and self.current is not None
        with self.database.write() as conn:
            close_pass(conn, self.current, self.database.clock())

    def _retrying(self, work: Callable[..., T], *args: Any) -> T:
        """``work(*args)`` retried on transient database faults like a store batch."""
        for attempt in range(self.attempts):
            try:
                return work(*args)
            except TRANSIENT as exc:
                if attempt + 1 >= self.attempts:
                    raise
                logger.warning("frontier %s: %s; retrying", self.scope, exc)
                time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")
