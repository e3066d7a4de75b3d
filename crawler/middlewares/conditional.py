"""Conditional requests: listings, feeds and sitemaps re-fetched with their last validators.

`ConditionalRequestMiddleware` (downloader) adds ``If-None-Match`` / ``If-Modified-Since``
to a request whose URL has validators in the ``http_validators`` table; a ``304 Not
Modified`` answer ends the request there (``news/conditional/not_modified``), so the
spider never parses it. The ETag / Last-Modified of each ``200`` response is kept, and
written when the crawl finishes (close reason ``finished``) for every URL that is not a
stored article: an interrupted or page-limited crawl saves none, so its next run reads
the listings again instead of trusting pages whose links it never finished following.

The seeds of a crawl (its start pages and sitemaps) are always fetched in full: a
homepage or a sitemap index can stay the same while the sections or sitemaps it links to
change, and a 304 would hide them. A feed only lists articles, so the ``feed`` spider's
seeds are fetched conditionally like every other page.

A request whose validators `KnownPageMiddleware` already read with the rest of its page's
links (``news_looked_up`` meta) is not looked up again.

Settings: ``CRAWLER_DB_URL``; ``CRAWLER_CONDITIONAL`` (default True).
Stats: ``news/conditional/sent``, ``news/conditional/not_modified``,
``news/conditional/saved``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Self

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from crawler.middlewares.incremental import DatabaseComponent, is_internal, looked_up
from crawler.storage import Database
from crawler.storage.validators import save_validators

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

#: Meta key: the request carries validators from the database.
CONDITIONAL_META = "news_conditional"
#: Spiders whose seeds list only articles, so a 304 for a seed hides nothing.
LEAF_SPIDERS = frozenset({"feed", "urls"})


def spider_seeds(spider: object) -> tuple[str, ...]:
    """The URLs the user gave the spider (its ``seed_urls``; none for other spiders)."""
    return tuple(getattr(spider, "seed_urls", ()))


class ConditionalRequestMiddleware(DatabaseComponent):
    """Downloader middleware: conditional GETs from saved validators; 304s go no further."""

    def __init__(
        self, database: Database, stats: StatsCollector, in_full: Iterable[str] = ()
    ) -> None:
        super().__init__(database, stats)
        self.in_full = frozenset(in_full)
        self.seen: dict[str, tuple[str | None, str | None, datetime]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("CRAWLER_CONDITIONAL", True):
            raise NotConfigured("CRAWLER_CONDITIONAL is off")
        spider = crawler.spider
        seeds = () if getattr(spider, "name", None) in LEAF_SPIDERS else spider_seeds(spider)
        return cls.build(crawler, in_full=seeds)

    def process_request(self, request: Request) -> None:
        if is_internal(request) or request.url in self.in_full:
            return
        if b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers:
            return
        etag, last_modified = looked_up(request) or self.saved(request.url)
        if not (etag or last_modified):
            return
        if etag:
            request.headers[b"If-None-Match"] = etag
        if last_modified:
            request.headers[b"If-Modified-Since"] = last_modified
        request.meta[CONDITIONAL_META] = True
        self.stats.inc_value("news/conditional/sent")

    def saved(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) saved for ``url``."""
        found = self.database.get_validators(url)
        return (found.etag, found.last_modified) if found else (None, None)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status == 304 and request.meta.get(CONDITIONAL_META):
            self.stats.inc_value("news/conditional/not_modified")
            raise IgnoreRequest(f"not modified: {request.url}")
        if response.status == 200 and not is_internal(request) and request.url not in self.in_full:
            etag = _header(response, b"ETag")
            last_modified = _header(response, b"Last-Modified")
            if etag or last_modified:
                self.seen[response.url] = (etag, last_modified, datetime.now(UTC))
        return response

    def spider_closed(self, reason: str) -> None:
        """Save the validators of this crawl's non-article 200s, if the crawl finished."""
        try:
            if reason == "finished" and self.seen:
                self.save_seen()
        finally:
            self.database.close()

    def save_seen(self) -> None:
        """Write the validators of every URL seen with a 200 that is not a stored article."""
        articles = self.database.stored_urls(self.seen)
        with self.database.write() as conn:
            for url, (etag, last_modified, fetched_at) in self.seen.items():
                if url in articles:
                    continue
                save_validators(
                    conn,
                    url,
                    etag=etag,
                    last_modified=last_modified,
                    status=200,
                    fetched_at=fetched_at,
                )
                self.stats.inc_value("news/conditional/saved")


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
