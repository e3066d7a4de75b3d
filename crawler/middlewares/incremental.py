"""Incremental crawling: stored articles are not fetched again, and pagination stops at known pages.

Two components share one rule, "a URL recorded as a variant of a stored article is known":

* `KnownPageMiddleware` (spider) checks the requests a page yields in one query, drops the
  known ones, and when every article link of the page is known drops the page's
  pagination links too (``news/incremental/pagination_stopped``): older pages list only
  older, known articles. An "article link" is a request whose callback differs from the
  listing's own; a pagination link has the listing's callback and a page number in its URL.
  The same read fetches the saved validators of the new links (for
  `crawler.middlewares.conditional`), and each kept request carries what was found
  (``news_looked_up`` meta, marked with this process's token).
* `SkipStoredMiddleware` (downloader) refuses a request for a known URL just before it is
  fetched (``drop/already_stored``), so a request restored from a JOBDIR, queued by another
  worker, or redirected, for a page stored meanwhile costs no fetch. A request this process
  looked up when its page yielded it is not asked about again (in one process the
  dupefilter keeps a URL from being fetched twice, so it cannot have been stored since).

Settings: ``CRAWLER_DB_URL``; ``CRAWLER_REFRESH`` (True disables both, so stored articles
are fetched again and land as revisions); ``CRAWLER_STOP_ON_KNOWN_PAGE`` (default True).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http.request import NO_CALLBACK

from crawler.middlewares.drops import INTERNAL_META, record_drop
from crawler.net.policy import Dropped
from crawler.storage import Database, open_database
from crawler.storage.validators import Validators

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

#: A URL that is page N of a listing: ``?page=3``, ``?p=3``, ``/page/3/``.
PAGINATION = re.compile(
    r"[?&](?:page|p|pg|paged|start|offset)=\d+|/page/\d+/?(?:$|[?#])", re.IGNORECASE
)


#: Meta key: ``(process token, URL, ETag, Last-Modified)`` of a request whose URL this
#: process found not stored when a page yielded it, with its saved validators.
LOOKED_UP_META = "news_looked_up"
#: This process's token: a request looked up by another process (or a run before a restart)
#: is looked up again.
_PROCESS_TOKEN = uuid.uuid4().hex


def looked_up(request: Request) -> tuple[str | None, str | None] | None:
    """(ETag, Last-Modified) found for ``request``'s URL when a page yielded it in this
    process; None when it was not looked up here (or was redirected since)."""
    found = request.meta.get(LOOKED_UP_META)
    if not found or found[0] != _PROCESS_TOKEN or found[1] != request.url:
        return None
    return found[2], found[3]


def mark_looked_up(request: Request, saved: Validators | None) -> None:
    """Record on ``request`` that its URL is not stored and what validators it has."""
    etag, modified = (saved.etag, saved.last_modified) if saved else (None, None)
    request.meta[LOOKED_UP_META] = (_PROCESS_TOKEN, request.url, etag, modified)


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
        if looked_up(request) is None and self.database.stored_urls([request.url]):
            raise Dropped("already_stored", "an article stored under this URL")


class KnownPageMiddleware(DatabaseComponent):
    """Spider middleware: drops known article links, and the next pages of a known listing."""

    def __init__(
        self,
        database: Database,
        stats: StatsCollector,
        stop_on_known: bool,
        with_validators: bool = True,
    ) -> None:
        super().__init__(database, stats)
        self.stop_on_known = stop_on_known
        self.with_validators = with_validators

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not incremental_enabled(crawler):
            raise NotConfigured("CRAWLER_REFRESH is set")
        stop = crawler.settings.getbool("CRAWLER_STOP_ON_KNOWN_PAGE", True)
        conditional = crawler.settings.getbool("CRAWLER_CONDITIONAL", True)
        return cls.build(crawler, stop_on_known=stop, with_validators=conditional)

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
        known, saved = self.database.url_lookups((r.url for r in requests), self.with_validators)
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
                mark_looked_up(output, saved.get(output.url))
            kept.append(output)
        return kept
