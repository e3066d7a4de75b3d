"""Incremental crawling: stored articles are not fetched again, and pagination stops at known pages.

Two components share one rule, "a URL recorded as a variant of a stored article is known":

* `SkipStoredMiddleware` (downloader) refuses a request for a known URL just before it is
  fetched (``drop/already_stored``), so a request restored from a JOBDIR, or queued by
  another worker, for a page stored meanwhile costs no fetch.
* `KnownPageMiddleware` (spider) checks the requests a listing page yields in one query,
  drops the known ones, and when every article link of the page is known drops the page's
  pagination links too (``news/incremental/pagination_stopped``): older pages list only
  older, known articles. An "article link" is a request whose callback differs from the
  listing's own; a pagination link has the listing's callback and a page number in its URL.

Settings: ``CRAWLER_DB_URL``; ``CRAWLER_REFRESH`` (True disables both, so stored articles
are fetched again and land as revisions); ``CRAWLER_STOP_ON_KNOWN_PAGE`` (default True).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http.request import NO_CALLBACK

from crawler.middlewares.drops import INTERNAL_META, record_drop
from crawler.net.policy import Dropped
from crawler.storage import Database, open_database

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

#: A URL that is page N of a listing: ``?page=3``, ``?p=3``, ``/page/3/``.
PAGINATION = re.compile(
    r"[?&](?:page|p|pg|paged|start|offset)=\d+|/page/\d+/?(?:$|[?#])", re.IGNORECASE
)


def crawl_database(crawler: Crawler) -> Database:
    """The crawl's database (``CRAWLER_DB_URL``); the component closes it on ``spider_closed``."""
    return open_database(crawler.settings.get("CRAWLER_DB_URL"))


def is_internal(request: Request) -> bool:
    """True for requests the crawler makes for itself (robots.txt), which are never skipped."""
    return request.callback is NO_CALLBACK or bool(request.meta.get(INTERNAL_META))


def incremental_enabled(crawler: Crawler) -> bool:
    """False under ``CRAWLER_REFRESH``."""
    return not crawler.settings.getbool("CRAWLER_REFRESH")


class DatabaseComponent:
    """Base of the components that read the crawl's database: opened by `build`, closed
    when the spider closes."""

    def __init__(self, database: Database, stats: StatsCollector) -> None:
        self.database = database
        self.stats = stats

    @classmethod
    def build(cls, crawler: Crawler, **options: Any) -> Self:
        """The component on the crawl's database, with ``options`` for its ``__init__``."""
        assert crawler.stats is not None
        component = cls(crawl_database(crawler), crawler.stats, **options)
        crawler.signals.connect(component.spider_closed, signal=signals.spider_closed)
        return component

    def spider_closed(self, reason: str) -> None:
        self.database.close()


class SkipStoredMiddleware(DatabaseComponent):
    """Downloader middleware: refuses requests for URLs stored as an article."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not incremental_enabled(crawler):
            raise NotConfigured("CRAWLER_REFRESH is set")
        return cls.build(crawler)

    def process_request(self, request: Request) -> None:
        if is_internal(request):
            return
        self.stats.inc_value("news/incremental/checked")
        if self.database.stored_urls([request.url]):
            raise Dropped("already_stored", "an article stored under this URL")


class KnownPageMiddleware(DatabaseComponent):
    """Spider middleware: drops known article links, and the next pages of a known listing."""

    def __init__(self, database: Database, stats: StatsCollector, stop_on_known: bool) -> None:
        super().__init__(database, stats)
        self.stop_on_known = stop_on_known

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not incremental_enabled(crawler):
            raise NotConfigured("CRAWLER_REFRESH is set")
        stop = crawler.settings.getbool("CRAWLER_STOP_ON_KNOWN_PAGE", True)
        return cls.build(crawler, stop_on_known=stop)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        outputs = [item async for item in result]
        for output in self.filter(response, outputs):
            yield output

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        return self.filter(response, list(result))

    def filter(self, response: Response, outputs: list[Any]) -> list[Any]:
        """``outputs`` without known article links (and, on a known page, its pagination)."""
        requests = [o for o in outputs if isinstance(o, Request)]
        if not requests:
            return outputs
        known = self.database.stored_urls(r.url for r in requests)
        own = response.request.callback if response.request is not None else None
        articles = [r for r in requests if r.callback != own]
        stop = self.stop_on_known and bool(articles) and all(r.url in known for r in articles)
        kept: list[Any] = []
        for output in outputs:
            if isinstance(output, Request):
                if output.url in known:
                    record_drop(self.stats, "already_stored", output.url)
                    continue
                if stop and output.callback == own and PAGINATION.search(output.url):
                    self.stats.inc_value("news/incremental/pagination_stopped")
                    continue
            kept.append(output)
        return kept
