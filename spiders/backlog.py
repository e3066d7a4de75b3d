"""Sitemaps fetched as the queue drains: a sitemap index's children wait outside the scheduler.

A sitemap index lists its child sitemaps all at once and each child lists up to 50,000
pages: scheduled together they put every page of the site in the scheduler, in memory, at
the start of the crawl. `SitemapBacklogMiddleware` (a spider middleware) takes the
requests a spider marks with `HOLD_META` (the sitemap spider's child sitemaps) once every
other spider middleware has seen them (scope, traps, the frontier that records them), and
schedules them one at a time: the next when the previous one has been read and the
scheduler holds fewer than ``CRAWLER_SITEMAP_BACKLOG`` requests. A held sitemap that fails
(download error, ``304 Not Modified``, robots.txt) is never read: the next one goes out
when the crawl would otherwise be idle.

Off with ``CRAWLER_SITEMAP_BACKLOG = 0`` and under ``CRAWLER_REDIS_URL`` (the queue lives in
Redis, and a held sitemap would be lost with the worker that held it).
Stats: ``news/sitemaps/held``, ``news/sitemaps/released``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

#: Meta flag of a request to hold back until the scheduler drains (a plain value: requests
#: stay serialisable).
HOLD_META = "news_hold_until_drained"


class SitemapBacklogMiddleware:
    """Spider middleware: held requests go to the scheduler one at a time, as it drains."""

    def __init__(self, crawler: Crawler, backlog: int) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats = crawler.stats
        self.backlog = backlog
        self.held: deque[Request] = deque()
        self.reading = False  # a released request is being fetched or read

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        backlog = crawler.settings.getint("CRAWLER_SITEMAP_BACKLOG", 1000)
        if backlog <= 0:
            raise NotConfigured("CRAWLER_SITEMAP_BACKLOG is 0")
        if crawler.settings.get("CRAWLER_REDIS_URL"):
            raise NotConfigured("the Redis frontier holds the queue")
        middleware = cls(crawler, backlog)
        crawler.signals.connect(middleware.release, signal=signals.request_left_downloader)
        crawler.signals.connect(middleware.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(middleware.spider_idle, signal=signals.spider_idle)
        return middleware

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        for output in result:
            if self._hold(output):
                yield output
        self._read(response)
        self.release()

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for output in result:
            if self._hold(output):
                yield output
        self._read(response)
        self.release()

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        self._read(response)

    def release(self) -> None:
        """Schedule the next held request if none is being read and the scheduler has room."""
        if self.reading or not self.held or self.crawler.engine is None:
            return
        scheduler = self.crawler.engine.scheduler
        if scheduler is None:
            return
        pending = len(scheduler) if hasattr(scheduler, "__len__") else None
        if pending is None:
            pending = self.backlog if scheduler.has_pending_requests() else 0
        if pending < self.backlog:
            self._send()

    def request_dropped(self, request: Request) -> None:
        """A released request the scheduler refused (a URL already seen) will not be read."""
        if request.meta.get(HOLD_META):
            self.reading = False
            self.release()

    def spider_idle(self) -> None:
        """Nothing left to do but held requests: the one being read failed, send the next."""
        if self.held:
            self.reading = False
            self._send()
            raise DontCloseSpider

    def _read(self, response: Response) -> None:
        """A released request's response went through: what it listed is scheduled."""
        if response.request is not None and response.request.meta.get(HOLD_META):
            self.reading = False

    def _hold(self, output: Any) -> bool:
        """False when ``output`` was held (not passed on)."""
        if isinstance(output, Request) and output.meta.get(HOLD_META):
            self.held.append(output)
            self.stats.inc_value("news/sitemaps/held")
            return False
        return True

    def _send(self) -> None:
        assert self.crawler.engine is not None
        self.reading = True
        self.stats.inc_value("news/sitemaps/released")
        self.crawler.engine.crawl(self.held.popleft())
