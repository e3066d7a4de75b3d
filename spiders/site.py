"""The ``site`` spider: from homepages or section pages, follow the site's links to its articles."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Request, Response

from crawler.items import Article, ArticleItem
from spiders.args import str_list
from spiders.base import NewsSpider
from spiders.urlshape import PageKind, page_kind


class SiteSpider(NewsSpider):
    """Crawls the sites of ``start_urls`` (comma- or space-separated) and stores their articles.

    A link is followed when it stays on a start URL's host and port (``www.`` or not), or
    on ``allowed_domains`` when given. Listing-shaped URLs (homepage, section, tag, author,
    pagination, contact) are read for links only; every other page is extracted, stored
    when the extractor calls it an article, and its links followed too. Depth is bounded
    by ``DEPTH_LIMIT``, pages by ``CRAWLER_MAX_PAGES``.

    Stats: ``news/site/listing``, ``news/site/not_article``, ``drop/offsite``, ``drop/not_a_page``.
    """

    name = "site"
    follows_links = True

    def __init__(self, *args: Any, start_urls: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls = list(str_list(start_urls))
        if not self.start_urls:
            raise ValueError("the site spider needs start_urls")
        self._explicit_domains = tuple(d.lower() for d in self.allowed_domains)
        self._seeds = {_site_key(url) for url in self.start_urls}
        self._starts = frozenset(self.start_urls)
        if not self.allowed_domains:  # lets Scrapy's offsite filter stop redirects away
            self.allowed_domains = sorted({key[0] for key in self._seeds})

    @property
    def seed_urls(self) -> tuple[str, ...]:
        return tuple(self.start_urls)

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            request = self._request(url, dont_filter=True)
            if request is not None:
                yield request

    async def parse_listing(self, response: Response) -> AsyncIterator[Request]:
        """A homepage, section, tag or pagination page: only its links are read."""
        self._inc("news/site/listing")
        links = await self.extract(response, links_only=True)
        if isinstance(links, tuple):
            for request in self._follow(links):
                yield request

    async def parse_page(self, response: Response) -> AsyncIterator[ArticleItem | Request]:
        """Any other page: stored when it is an article; its links are followed."""
        article = await self.extract(response)
        if not isinstance(article, Article):
            return
        if article.is_article:
            yield self.article_item(article, response)
        else:
            self._inc("news/site/not_article")
        for request in self._follow(article.links):
            yield request

    def in_scope(self, url: str) -> bool:
        """Whether ``url`` belongs to the crawled site(s)."""
        host, port = _site_key(url)
        if self._explicit_domains:
            return any(host == d or host.endswith(f".{d}") for d in self._explicit_domains)
        return (host, port) in self._seeds

    def _follow(self, links: Iterable[str]) -> Iterable[Request]:
        for url in links:
            if url in self._starts:  # fetched once already (start requests skip the dupe filter)
                continue
            if not self.in_scope(url):
                self._inc("drop/offsite")
                continue
            request = self._request(url)
            if request is not None:
                yield request

    def _request(self, url: str, dont_filter: bool = False) -> Request | None:
        kind = page_kind(url)
        if kind is PageKind.SKIP:
            self._inc("drop/not_a_page")
            return None
        if self.denied(url):
            return None
        if kind is PageKind.LISTING or not self.allowed_as_article(url):
            return self.page_request(url, self.parse_listing, dont_filter=dont_filter)
        priority = 1 if kind is PageKind.ARTICLE else 0
        return self.page_request(url, self.parse_page, priority=priority, dont_filter=dont_filter)


def _site_key(url: str) -> tuple[str, int | None]:
    """(host without ``www.``, port): http and https on their default ports are one site."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        port = None
    return host, None if port in (80, 443) else port
