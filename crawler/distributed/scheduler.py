"""scrapy-redis's scheduler and dupe filter, adapted so that many workers share one crawl safely.

What scrapy-redis 0.9.1 does not do, and this module adds through its extension points
(subclasses, settings; see docs/scaling.md):

* Its queue pops a request and forgets it: a worker killed with requests in flight loses
  them. Here a request is moved atomically to the worker's ``taken`` set and forgotten
  only once its outcome is durable (`crawler.distributed.taken`); a dead worker's
  requests go back to the queue (`crawler.distributed.frontier`).
* Its scheduler closes a worker as soon as the shared queue is empty, although another
  worker may be about to queue more. Here an idle worker stays while another worker is
  still working on a request, and closes when nothing more can come.
* Its dupe filter computes its own fingerprint; here it is Scrapy's request fingerprinter
  (``REQUEST_FINGERPRINTER_*``), and the seen check and the push are one atomic step.
* Start requests (``dont_filter``) would be queued again by every worker; here they go
  through the seen set, so seeding a crawl from several workers is idempotent.

Settings: ``REDIS_URL`` (set from ``CRAWLER_REDIS_URL`` by the add-on),
``CRAWLER_REDIS_NAMESPACE`` (the deployment: first part of every key),
``CRAWLER_REDIS_HEARTBEAT`` (seconds between settling taken requests and heartbeats, 2),
``CRAWLER_REDIS_WORKER_TIMEOUT`` (a worker silent this long is dead, 60), ``CRAWLER_SOURCE``
(the frontier's source part; else the spider's ``source``, else derived from its seeds),
``CRAWLER_DB_URL`` (where stored articles are confirmed).

Stats: ``news/redis/<taken|settled|seen|seed_seen|reclaimed|released|idle_wait|fresh_crawl>``,
``news/redis/declared_dead`` (this worker stalled past the timeout and its requests were
given to others), ``news/redis/untracked_article``, ``drop/undecodable``.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Self

from redis import Redis
from redis.exceptions import RedisError
from scrapy import Request, Spider, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import create_looping_call
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from sqlalchemy.exc import SQLAlchemyError

from crawler.distributed.frontier import Beat, RedisFrontier
from crawler.distributed.keys import FrontierKeys, check_namespace, source_key
from crawler.distributed.taken import TakenRequests
from crawler.items import ArticleItem
from crawler.storage import Database, DatabaseUnavailable, open_database

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector
    from scrapy.utils.request import RequestFingerprinterProtocol as RequestFingerprinter

logger = logging.getLogger(__name__)

#: Fingerprints a worker remembers as seen, saving the round trip for links it meets again
#: (menus, related articles); past this many it forgets them all and starts over.
KNOWN_FINGERPRINTS = 200_000
#: scrapy-redis's priority queue (a sorted set): push, length and (de)serialization are its;
#: popping is `RedisFrontier.take`.
QUEUE_CLASS = f"{PriorityQueue.__module__}.{PriorityQueue.__qualname__}"


class SeenFilter(RFPDupeFilter):
    """scrapy-redis's dupe filter with Scrapy's request fingerprints (as hex strings).

    `RedisFrontierScheduler` builds it with its frontier's ``seen`` key; ``from_spider``
    and ``from_crawler`` keep scrapy-redis's own ways of building it working.
    """

    def __init__(
        self, server: Redis, key: str, fingerprinter: RequestFingerprinter, debug: bool = False
    ) -> None:
        super().__init__(server, key, debug=debug)
        self.fingerprinter = fingerprinter

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        plain = RFPDupeFilter.from_crawler(crawler)
        return cls(plain.server, plain.key, _fingerprinter(crawler), plain.debug)

    @classmethod
    def from_spider(cls, spider: Spider) -> Self:
        plain = RFPDupeFilter.from_spider(spider)
        return cls(plain.server, plain.key, _fingerprinter(spider.crawler), plain.debug)

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()


class RedisFrontierScheduler(Scheduler):
    """A scrapy-redis scheduler whose requests are taken, settled, and reclaimed."""

    def __init__(
        self,
        crawler: Crawler,
        server: Redis,
        namespace: str,
        worker: str,
        heartbeat: float = 2.0,
        worker_timeout: float = 60.0,
    ) -> None:
        super().__init__(server, persist=True, queue_cls=QUEUE_CLASS, idle_before_close=0)
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.namespace = check_namespace(namespace)
        self.heartbeat = heartbeat
        self.worker_timeout = worker_timeout
        self.worker = worker
        self.taken = TakenRequests()
        self._known: set[str] = set()  # fingerprints known to be in the seen set
        self.frontier: RedisFrontier | None = None
        self.database: Database | None = None
        self._engine_slot: Any = None
        self._timer: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        worker = worker_id()
        server = get_redis_from_settings(_named_connections(settings, worker))
        try:
            server.ping()
        except RedisError as exc:
            raise RuntimeError(f"Redis at REDIS_URL is unreachable: {exc}") from None
        scheduler = cls(
            crawler,
            server,
            settings.get("CRAWLER_REDIS_NAMESPACE") or "crawler",
            worker,
            heartbeat=settings.getfloat("CRAWLER_REDIS_HEARTBEAT", 2.0),
            worker_timeout=settings.getfloat("CRAWLER_REDIS_WORKER_TIMEOUT", 60.0),
        )
        crawler.signals.connect(scheduler.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    # --- scheduler interface ---------------------------------------------------------

    def open(self, spider: Spider) -> None:
        settings = self.crawler.settings
        source = settings.get("CRAWLER_SOURCE") or getattr(spider, "source", None)
        seeds = getattr(spider, "seed_urls", None) or getattr(spider, "start_urls", None)
        keys = FrontierKeys(self.namespace, source_key(source, list(seeds or ())), spider.name)
        self.queue_key = keys.requests
        self.df = SeenFilter(
            self.server,
            keys.seen,
            _fingerprinter(self.crawler),
            settings.getbool("DUPEFILTER_DEBUG"),
        )
        self._engine_slot = _engine_slot(self.crawler)
        super().open(spider)
        self.frontier = RedisFrontier(
            self.server, keys, self.worker, self.worker_timeout, stale=3 * self.heartbeat
        )
        reclaimed, fresh = self.frontier.join()
        self._count("reclaimed", reclaimed)
        self._count("fresh_crawl", int(fresh))
        logger.info(
            "Redis frontier %s: worker %s (%s)",
            keys.base,
            self.worker,
            "new crawl" if fresh else f"joined, {len(self.queue)} request(s) queued",
        )
        self._timer = create_looping_call(self._tick)
        self._timer.start(self.heartbeat, now=False)

    def close(self, reason: str) -> None:
        """Settle what the pipelines flushed, give the rest back, unregister."""
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        if self.frontier is None:
            return
        try:
            self._settle()
            released, finished = self.frontier.leave()
        finally:
            if self.database is not None:
                self.database.close()
        self._count("released", released)
        logger.info(
            "Redis frontier %s: worker %s left (%d request(s) given back%s)",
            self.frontier.keys.base,
            self.worker,
            released,
            ", crawl finished" if finished else "",
        )

    def enqueue_request(self, request: Request) -> bool:
        """Queue ``request`` unless the crawl has seen it (one round trip; none for a
        fingerprint this worker already knows is in the seen set)."""
        assert self.frontier is not None
        seed = bool(request.meta.get("is_start_request"))
        fingerprint = None
        if seed or not request.dont_filter:
            fingerprint = self.df.request_fingerprint(request)
            if fingerprint in self._known:
                return self._filtered(request, seed)
        member = self.queue._encode_request(request)
        queued = self.frontier.push(member, -request.priority, fingerprint)
        if fingerprint is not None:
            if len(self._known) >= KNOWN_FINGERPRINTS:
                self._known.clear()
            self._known.add(fingerprint)
        if not queued:
            return self._filtered(request, seed)
        self._count("scheduler/enqueued/redis", bare=True)
        return True

    def next_request(self) -> Request | None:
        assert self.frontier is not None
        member = self.frontier.take()
        if member is None:
            return None
        try:
            request: Request = self.queue._decode_request(member)
        except Exception as exc:  # a request queued by other code, or by an older release
            logger.error("cannot decode a queued request, dropped: %s", exc)
            self.frontier.settle([member])
            self._count("drop/undecodable", bare=True)
            return None
        self.taken.add(request, member)
        self._count("taken")
        self._count("scheduler/dequeued/redis", bare=True)
        return request

    def _filtered(self, request: Request, seed: bool) -> bool:
        self.df.log(request, self.spider)
        self._count("seed_seen" if seed else "seen")
        return False

    # --- signals ---------------------------------------------------------------------

    def item_scraped(self, item: Any, response: Response) -> None:
        """An article left the pipelines: its request waits until it is in the database."""
        if isinstance(item, ArticleItem) and not self.taken.expect_article(
            response.request, item.requested_url
        ):
            self._count("untracked_article")
            logger.warning("article from a request not taken from Redis: %s", response.url)

    def spider_idle(self) -> None:
        """Keep an idle worker while the frontier may still grow; let it close when not.

        More work can come only from the queue, from requests other workers are still
        working on, and from those a dead worker held (requeued after the worker timeout;
        a worker that misses three beats is waited for). This worker is idle, so its own
        requests are done, at most waiting for the store pipeline's next flush, which
        closing does; closing then gives back any whose articles are still not stored.
        """
        self._settle()
        beat = self._beat()
        if beat.queued or beat.pending_elsewhere:
            self._count("idle_wait")
            raise DontCloseSpider

    # --- internals -------------------------------------------------------------------

    def _tick(self) -> None:
        """Every heartbeat: settle, beat, and wake the engine when work is queued or
        the frontier may be drained (so an idle worker need not wait for Scrapy's own
        5-second heartbeat to take it or to close)."""
        try:
            self._settle()
            beat = self._beat()
            if beat.queued or not beat.pending_elsewhere:
                self._engine_slot.nextcall.schedule()
        except RedisError as exc:
            logger.error("Redis frontier heartbeat failed: %s", exc)

    def _settle(self) -> None:
        assert self.frontier is not None
        settled = self.taken.settle(self._engine_slot.inprogress, self._stored)
        self.frontier.settle(settled.forget, settled.unsaved)
        self._count("settled", len(settled.forget))

    def _stored(self, urls: Iterable[str]) -> set[str]:
        """Those of ``urls`` in the database (opened on first use: a database that is down at
        start is the store pipeline's to report)."""
        try:
            if self.database is None:
                self.database = open_database(self.crawler.settings.get("CRAWLER_DB_URL"))
            return self.database.stored_urls(urls)
        except (SQLAlchemyError, DatabaseUnavailable) as exc:
            logger.warning("cannot confirm stored articles yet: %s", exc)
            return set()

    def _beat(self) -> Beat:
        assert self.frontier is not None
        beat = self.frontier.beat()
        self._count("reclaimed", beat.reclaimed)
        if beat.reclaimed:
            logger.warning(
                "Redis frontier %s: %d request(s) of dead workers queued again",
                self.frontier.keys.base,
                beat.reclaimed,
            )
        if beat.was_lost:  # meanwhile a new crawl may have started with an empty seen set
            self._known.clear()
            self._count("declared_dead")
            logger.warning(
                "worker %s was given up for dead; its requests were requeued", self.worker
            )
        return beat

    def _count(self, name: str, value: int = 1, bare: bool = False) -> None:
        if value:
            self.stats.inc_value(name if bare else f"news/redis/{name}", value)


def worker_id() -> str:
    """This process's name in the frontier: ``<host>:<pid>:<random>``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def _named_connections(settings: BaseSettings, worker: str) -> BaseSettings:
    """``settings`` whose ``REDIS_PARAMS`` name every connection after ``worker``
    (``CLIENT SETNAME``), so that Redis's ``CLIENT LIST`` tells whose each connection is."""
    named = BaseSettings(settings)  # a mutable copy
    params = {**settings.getdict("REDIS_PARAMS"), "client_name": worker}
    named.set("REDIS_PARAMS", params, priority=settings.getpriority("REDIS_PARAMS") or 0)
    return named


def _fingerprinter(crawler: Crawler) -> RequestFingerprinter:
    assert crawler.request_fingerprinter is not None
    return crawler.request_fingerprinter


def _engine_slot(crawler: Crawler) -> Any:
    """The engine's slot, whose ``inprogress`` set holds every request Scrapy has not finished
    (downloading, in a callback, or with items in the pipelines). Not a public API: checked
    here so that a Scrapy release that moves it fails at start, not by losing requests."""
    slot = getattr(crawler.engine, "_slot", None)
    if not isinstance(getattr(slot, "inprogress", None), set) or not hasattr(slot, "nextcall"):
        raise RuntimeError(
            "this Scrapy release has no engine._slot.inprogress; the Redis frontier needs it "
            "(tested with Scrapy 2.19)"
        )
    return slot
