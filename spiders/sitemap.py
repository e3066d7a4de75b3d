"""The ``sitemap`` spider: articles from sitemaps, sitemap indexes and Google News sitemaps."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urljoin

from scrapy.http import Request, Response

from spiders.args import str_list
from spiders.backlog import HOLD_META
from spiders.base import NewsSpider

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

#: Sitemap indexes nested deeper than this are not followed (loops end at the dupe filter).
MAX_NESTING = 4
_ROBOTS_SITEMAP = re.compile(rb"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class SitemapSpider(NewsSpider):
    """Reads ``sitemaps`` (sitemap, sitemap index, Google News sitemap, gzipped or not, or a
    ``robots.txt`` whose ``Sitemap:`` lines name them) and extracts the pages they list.

    With ``since``, entries (and child sitemaps) whose ``news:publication_date`` or else
    ``lastmod`` is older are skipped. Setting ``CRAWLER_SITEMAP_MAX_BYTES`` caps a sitemap's
    size, downloaded and unzipped (default 50 MiB, the protocol's limit).

    The sitemaps an index or a robots.txt lists are held back (`spiders.backlog`): each is
    fetched when the previous one has been read and fewer than ``CRAWLER_SITEMAP_BACKLOG``
    requests wait in the scheduler, so the pages of a whole site are never queued at once.
    """

    name = "sitemap"

    def __init__(self, *args: Any, sitemaps: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sitemaps = list(str_list(sitemaps))
        if not self.sitemaps:
            raise ValueError("the sitemap spider needs sitemaps")
        self.max_bytes = 50 * 1024 * 1024

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_bytes = crawler.settings.getint("CRAWLER_SITEMAP_MAX_BYTES", spider.max_bytes)
        return spider

    @property
    def seed_urls(self) -> tuple[str, ...]:
        return tuple(self.sitemaps)

    async def start(self) -> AsyncIterator[Request]:
        for url in self.sitemaps:
            callback = self.parse_robots if url.endswith("/robots.txt") else self.parse_sitemap
            request = self._sitemap_request(url, callback, 0)
            if request is not None:
                yield request

    def parse_robots(self, response: Response) -> Iterable[Request]:
        """A robots.txt: its ``Sitemap:`` lines."""
        self._inc("news/pages/fetched")
        for match in _ROBOTS_SITEMAP.finditer(response.body):
            url = urljoin(response.url, match.group(1).decode("utf-8", "replace"))
            request = self._sitemap_request(url, self.parse_sitemap, 0, hold=True)
            if request is not None:
                yield request

    def parse_sitemap(self, response: Response) -> Iterable[Request]:
        """A sitemap index (child sitemaps), a sitemap or a feed (article pages)."""
        kind, entries = self.listed_entries(response, self.max_bytes)
        recent = [e for e in entries if self.recent(e)]
        if kind != "sitemapindex":
            yield from self.article_requests(e.url for e in recent)
            return
        depth = response.meta.get("sitemap_depth", 0) + 1
        if depth > MAX_NESTING:
            self._inc("drop/sitemap_nesting")
            return
        for entry in recent:
            request = self._sitemap_request(entry.url, self.parse_sitemap, depth, hold=True)
            if request is not None:
                yield request

    def _sitemap_request(
        self, url: str, callback: Any, depth: int, hold: bool = False
    ) -> Request | None:
        meta: dict[str, Any] = {"sitemap_depth": depth, "download_maxsize": self.max_bytes}
        if hold:
            meta[HOLD_META] = True
        return self.page_request(url, callback, meta=meta, dont_filter=depth == 0)
