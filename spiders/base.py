"""The news spiders' shared base: pages go to the extraction pool, articles come out as items."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.extraction import EXTRACTOR_VERSION, ExtractionOptions
from crawler.items import Article, ArticleItem
from crawler.pool import ExtractionFailed, ExtractionPool, Outcome, PageTask, without_tracking
from spiders.args import as_overrides, as_patterns, as_since, str_list
from spiders.urlshape import PageKind, page_kind
from spiders.xmldocs import Entry, UnreadableXml, read_entries, xml_body

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class NewsSpider(scrapy.Spider):
    """Base of every news spider: extraction off the reactor, a page budget, error accounting.

    Arguments (``-a NAME=VALUE`` strings, or typed values from `crawler.crawl.run_crawls`):
        source: the sources-file name stored with each article.
        timezone: IANA zone for pages that print local times without a zone.
        overrides: per-site selectors (`SiteOverrides`, dict, or JSON object).
        since: entries of sitemaps and feeds dated before this are skipped (ISO date).
        allowed_domains: only these domains (and their subdomains) are fetched.
        allow_patterns / deny_patterns: regexes (one per line): URLs matching a deny
            pattern are never fetched; with allow patterns, only matching URLs are articles.
        pool: an `ExtractionPool` shared with other crawlers (the caller closes it);
            without one the spider builds its own from the settings and closes it.

    Settings: ``CRAWLER_MAX_PAGES`` (pages per run, 0 = no limit) and the pool's.
    Stats: ``news/pages/fetched``, ``news/items``, ``news/extract/failed[/<reason>]``,
    ``news/fetch/failed[/<reason>]``, ``news/listed/<root>`` (sitemaps and feeds read),
    ``news/listed/older_than_since``, ``news/listed/not_article_url``, ``drop/max_pages``,
    ``drop/denied``, ``drop/<reason>`` for unreadable sitemaps and feeds.
    """

    pool: ExtractionPool
    #: Whether the spider follows the links of the pages it extracts (workers collect them).
    follows_links = False

    def __init__(
        self,
        *args: Any,
        source: str | None = None,
        timezone: str | None = None,
        overrides: Any = None,
        since: Any = None,
        allowed_domains: Any = None,
        allow_patterns: Any = None,
        deny_patterns: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.source = source or None
        self.options = ExtractionOptions(
            timezone=timezone or None,
            overrides=as_overrides(overrides),
            collect_links=self.follows_links,
        )
        self.since = as_since(since, timezone)
        self.allowed_domains = list(str_list(allowed_domains))
        self.allow_patterns = as_patterns(allow_patterns)
        self.deny_patterns = as_patterns(deny_patterns)
        self.max_pages = 0
        self._planned: set[str] = set()

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, *args: Any, pool: ExtractionPool | None = None, **kwargs: Any
    ) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_pages = crawler.settings.getint("CRAWLER_MAX_PAGES", 0)
        if pool is None:
            pool = ExtractionPool.from_crawler(crawler)
            crawler.signals.connect(pool.start, signal=signals.spider_opened)
            crawler.signals.connect(pool.close, signal=signals.spider_closed)
        spider.pool = pool
        return spider

    @property
    def seed_urls(self) -> tuple[str, ...]:
        """The URLs the user gave (start pages, feeds, sitemaps, article lists)."""
        return ()

    # --- requests ------------------------------------------------------------------

    def page_request(
        self,
        url: str,
        callback: Any,
        *,
        meta: dict[str, Any] | None = None,
        priority: int = 0,
        dont_filter: bool = False,
    ) -> Request | None:
        """A request for one page, or None when the run's page budget is spent."""
        if self.max_pages:
            if url in self._planned:
                return None
            if len(self._planned) >= self.max_pages:
                self._inc("drop/max_pages")
                return None
            self._planned.add(url)
        return Request(
            url,
            callback=callback,
            errback=self.on_error,
            meta=meta or {},
            priority=priority,
            dont_filter=dont_filter,
        )

    def denied(self, url: str) -> bool:
        """True (and counted) when a deny pattern matches ``url``."""
        if any(p.search(url) for p in self.deny_patterns):
            self._inc("drop/denied")
            return True
        return False

    def allowed_as_article(self, url: str) -> bool:
        """False when allow patterns are given and none matches ``url``."""
        return not self.allow_patterns or any(p.search(url) for p in self.allow_patterns)

    def article_requests(self, urls: Iterable[str]) -> Iterable[Request]:
        """Requests for the pages a feed or sitemap lists, except those shaped like listings
        (sitemaps list sections and tags too: ``news/listed/not_article_url``)."""
        for listed in urls:
            url = without_tracking(listed)
            if page_kind(url) in (PageKind.LISTING, PageKind.SKIP):
                self._inc("news/listed/not_article_url")
                continue
            if self.denied(url) or not self.allowed_as_article(url):
                continue
            request = self.page_request(url, self.parse_article)
            if request is not None:
                yield request

    def listed_entries(self, response: Response, max_bytes: int) -> tuple[str, list[Entry]]:
        """(kind, entries) of a sitemap or feed; ("", []) when it cannot be read (counted)."""
        self._inc("news/pages/fetched")
        try:
            kind, entries = read_entries(xml_body(response.body, max_bytes), response.url)
            listed = list(entries)
        except UnreadableXml as exc:
            self._inc(f"drop/{exc.reason}")
            self.logger.warning("not a sitemap or feed (%s): %s", exc.reason, response.url)
            return "", []
        self._inc(f"news/listed/{kind}")
        return kind, listed

    def recent(self, entry: Entry) -> bool:
        """False (and counted) when ``entry`` is dated before ``since``; undated entries pass."""
        if self.since is None or entry.date is None or entry.date >= self.since:
            return True
        self._inc("news/listed/older_than_since")
        return False

    # --- responses -----------------------------------------------------------------

    async def parse_article(self, response: Response) -> AsyncIterator[ArticleItem]:
        """Callback for a page listed as an article: extracted off the reactor, yielded."""
        article = await self.extract(response)
        if isinstance(article, Article):
            yield self.article_item(article, response)

    async def extract(self, response: Response, links_only: bool = False) -> Outcome | None:
        """The page's article (or only its links); None when extraction failed (counted)."""
        self._inc("news/pages/fetched")
        content_type = response.headers.get(b"Content-Type")
        task = PageTask(
            body=response.body,
            url=response.url,
            fetched_at=datetime.now(UTC),
            content_type=content_type.decode("latin-1") if content_type else None,
            options=self.options,
            links_only=links_only,
        )
        try:
            return await self.pool.run(task)
        except ExtractionFailed as exc:
            self._inc("news/extract/failed")
            self._inc(f"news/extract/failed/{exc.reason}")
            self.logger.warning("extraction failed (%s) for %s", exc, response.url)
            return None

    def article_item(self, article: Article, response: Response) -> ArticleItem:
        """The item for ``article``; ``requested_url`` is the URL before any redirect."""
        self._inc("news/items")
        redirects = response.request.meta.get("redirect_urls") if response.request else None
        requested = redirects[0] if redirects else response.url
        return ArticleItem(
            article=dataclasses.replace(article, links=()) if article.links else article,
            requested_url=requested,
            source=self.source,
            extractor_version=EXTRACTOR_VERSION,
        )

    def on_error(self, failure: Failure) -> None:
        """Errback of every request: counts the failure under its reason."""
        if failure.check(HttpError):
            reason = f"http_{failure.value.response.status}"
        elif failure.check(IgnoreRequest):  # robots.txt or a policy: counted where decided
            return
        else:
            reason = type(failure.value).__name__
        self._inc("news/fetch/failed")
        self._inc(f"news/fetch/failed/{reason}")
        request = getattr(failure, "request", None)
        self.logger.info("fetch failed (%s): %s", reason, getattr(request, "url", "?"))

    def _inc(self, key: str) -> None:
        self.crawler.stats.inc_value(key)
