"""Incremental and conditional middlewares against a real database (no network)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.test import get_crawler

from crawler.items import Article, ArticleItem
from crawler.middlewares.conditional import ConditionalRequestMiddleware
from crawler.middlewares.incremental import KnownPageMiddleware, SkipStoredMiddleware
from crawler.net.policy import Dropped
from crawler.storage import Database, open_database

SITE = "https://news.example.com"
FETCHED = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)


class ListingSpider(scrapy.Spider):
    name = "listing"

    def parse_listing(self, response: Response) -> None: ...

    def parse_page(self, response: Response) -> None: ...


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.close()


def store(database: Database, url: str, requested: str | None = None) -> None:
    article = Article(
        url=url, fetched_at=FETCHED, title="T", body=f"Body of {url}.", is_article=True
    )
    database.store_batch([ArticleItem(article=article, requested_url=requested or url)])


@pytest.fixture
def built() -> Iterator[list[Any]]:
    """Middlewares a test builds; their databases are closed after it."""
    middlewares: list[Any] = []
    yield middlewares
    for middleware in middlewares:
        middleware.database.close()


def crawler_for(db_url: str, **settings: object) -> Crawler:
    crawler = get_crawler(ListingSpider, {"CRAWLER_DB_URL": db_url, **settings})
    crawler.spider = crawler._create_spider()
    return crawler


def build(built: list[Any], component: Any, crawler: Crawler) -> Any:
    middleware = component.from_crawler(crawler)
    built.append(middleware)
    return middleware


def test_a_stored_article_is_not_requested_under_any_recorded_variant(
    database: Database, db_url: str, built: list[Any]
) -> None:
    store(database, f"{SITE}/news/a-story/", requested=f"{SITE}/news/a-story/?utm_source=x")
    crawler = crawler_for(db_url)
    middleware = build(built, SkipStoredMiddleware, crawler)
    for url in (f"{SITE}/news/a-story/", f"{SITE}/news/a-story/?utm_source=y#top"):
        with pytest.raises(Dropped) as info:
            middleware.process_request(Request(url))
        assert info.value.reason == "already_stored"
    assert middleware.process_request(Request(f"{SITE}/news/new-story/")) is None
    internal = Request(f"{SITE}/news/a-story/", callback=NO_CALLBACK)
    assert middleware.process_request(internal) is None  # robots.txt-style fetches pass
    assert crawler.stats.get_value("news/incremental/checked") == 3


def test_refresh_switches_the_incremental_middlewares_off(db_url: str) -> None:
    crawler = crawler_for(db_url, CRAWLER_REFRESH=True)
    for component in (SkipStoredMiddleware, KnownPageMiddleware):
        with pytest.raises(NotConfigured):
            component.from_crawler(crawler)


def listing_response(spider: ListingSpider, url: str) -> Response:
    request = Request(url, callback=spider.parse_listing)
    return HtmlResponse(url, body=b"<html></html>", request=request)


def outputs(spider: ListingSpider, *articles: str, pages: tuple[str, ...] = ()) -> list[object]:
    found: list[object] = [Request(f"{SITE}{p}", callback=spider.parse_page) for p in articles]
    found += [Request(f"{SITE}{p}", callback=spider.parse_listing) for p in pages]
    return [*found, {"item": 1}]


def urls(result: list[object]) -> list[str]:
    return [o.url.removeprefix(SITE) if isinstance(o, Request) else "item" for o in result]


def test_known_links_are_dropped_and_a_known_page_stops_pagination(
    database: Database, db_url: str, built: list[Any]
) -> None:
    store(database, f"{SITE}/news/old-1/")
    store(database, f"{SITE}/news/old-2/")
    crawler = crawler_for(db_url)
    spider = crawler.spider
    middleware = build(built, KnownPageMiddleware, crawler)
    response = listing_response(spider, f"{SITE}/news/")
    pages = ("/news/page/2/", "/tag/defence/")

    mixed = outputs(spider, "/news/old-1/", "/news/new-1/", pages=pages)
    assert urls(middleware.filter(response, mixed)) == [
        "/news/new-1/",
        "/news/page/2/",
        "/tag/defence/",
        "item",
    ]
    known = outputs(spider, "/news/old-1/", "/news/old-2/", pages=pages)
    assert urls(middleware.filter(response, known)) == ["/tag/defence/", "item"]
    assert crawler.stats.get_value("drop/already_stored") == 3
    assert crawler.stats.get_value("news/incremental/pagination_stopped") == 1
    # a page with no article links at all (a hub of sections) keeps its pagination
    assert urls(middleware.filter(response, outputs(spider, pages=pages))) == [*pages, "item"]


def test_stopping_on_known_pages_can_be_switched_off(
    database: Database, db_url: str, built: list[Any]
) -> None:
    store(database, f"{SITE}/news/old-1/")
    crawler = crawler_for(db_url, CRAWLER_STOP_ON_KNOWN_PAGE=False)
    middleware = build(built, KnownPageMiddleware, crawler)
    response = listing_response(crawler.spider, f"{SITE}/news/")
    result = middleware.filter(
        response, outputs(crawler.spider, "/news/old-1/", pages=("/news/page/2/",))
    )
    assert urls(result) == ["/news/page/2/", "item"]


def ok(request: Request, **headers: str) -> Response:
    return Response(
        request.url, status=200, headers=headers, body=b"<html></html>", request=request
    )


def test_validators_are_sent_and_a_304_goes_no_further(
    database: Database, db_url: str, built: list[Any]
) -> None:
    feed = f"{SITE}/feed/"
    database.save_validators(feed, etag='"v1"', last_modified="Wed, 01 May 2024 05:00:00 GMT")
    crawler = crawler_for(db_url)
    middleware = build(built, ConditionalRequestMiddleware, crawler)
    request = Request(feed)
    middleware.process_request(request)
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert request.headers[b"If-Modified-Since"] == b"Wed, 01 May 2024 05:00:00 GMT"
    with pytest.raises(IgnoreRequest):
        middleware.process_response(request, Response(feed, status=304, request=request))
    assert crawler.stats.get_value("news/conditional/not_modified") == 1
    fresh = Request(f"{SITE}/news/")
    middleware.process_request(fresh)
    assert b"If-None-Match" not in fresh.headers
    # a 304 to a request we did not make conditional is left to the other middlewares
    assert middleware.process_response(fresh, Response(fresh.url, status=304)).status == 304


def test_validators_are_saved_for_listings_only_when_the_crawl_finishes(
    database: Database, db_url: str, built: list[Any]
) -> None:
    store(database, f"{SITE}/news/a-story/")
    for reason, expected in (("shutdown", None), ("finished", '"home-2"')):
        crawler = crawler_for(db_url)
        middleware = build(built, ConditionalRequestMiddleware, crawler)
        for path, etag in (("/", '"home-2"'), ("/news/a-story/", '"story"'), ("/about/", "")):
            request = Request(f"{SITE}{path}")
            middleware.process_request(request)
            middleware.process_response(request, ok(request, ETag=etag) if etag else ok(request))
        middleware.spider_closed(reason)
        saved = database.get_validators(f"{SITE}/")
        assert (saved.etag if saved else None) == expected, reason
    assert database.get_validators(f"{SITE}/news/a-story/") is None  # articles: never
    assert database.get_validators(f"{SITE}/about/") is None  # no validators given
    assert crawler.stats.get_value("news/conditional/saved") == 1


class SeededSpider(ListingSpider):
    name = "site"
    seed_urls = (f"{SITE}/",)


class SeededFeedSpider(SeededSpider):
    name = "feed"


@pytest.mark.parametrize(
    ("spider", "conditional"), [(SeededSpider, False), (SeededFeedSpider, True)]
)
def test_seeds_are_fetched_in_full_unless_they_only_list_articles(
    database: Database,
    db_url: str,
    built: list[Any],
    spider: type[scrapy.Spider],
    conditional: bool,
) -> None:
    # a homepage (or sitemap index) may be unchanged while the pages it links to changed
    database.save_validators(f"{SITE}/", etag='"home"', last_modified=None)
    crawler = get_crawler(spider, {"CRAWLER_DB_URL": db_url})
    crawler.spider = crawler._create_spider()
    middleware = build(built, ConditionalRequestMiddleware, crawler)
    request = Request(f"{SITE}/")
    middleware.process_request(request)
    assert (b"If-None-Match" in request.headers) is conditional
    middleware.process_response(request, ok(request, ETag='"home-2"'))
    middleware.spider_closed("finished")
    saved = database.get_validators(f"{SITE}/")
    assert saved is not None and saved.etag == ('"home-2"' if conditional else '"home"')


def test_links_looked_up_with_their_page_are_not_looked_up_again(
    database: Database, db_url: str, built: list[Any]
) -> None:
    database.save_validators(f"{SITE}/news/page/2/", etag='"p2"', last_modified=None)
    crawler = crawler_for(db_url)
    spider = crawler.spider
    known_page = build(built, KnownPageMiddleware, crawler)
    skip_stored = build(built, SkipStoredMiddleware, crawler)
    conditional = build(built, ConditionalRequestMiddleware, crawler)
    found = outputs(spider, "/news/new-1/", pages=("/news/page/2/",))
    article, page, _ = known_page.filter(listing_response(spider, f"{SITE}/news/"), found)
    conditional.process_request(page)  # validators read with the page's links
    assert page.headers[b"If-None-Match"] == b'"p2"'
    conditional.process_request(article)
    assert b"If-None-Match" not in article.headers
    # stored after the lookup (in one process only another request of the same URL could
    # have stored it, which the dupefilter prevents): the lookup stands
    store(database, article.url)
    assert skip_stored.process_request(article) is None
    # looked up by another process (a JOBDIR restored after a restart, another worker),
    # a fresh request, or a redirect to the stored URL: asked again, and refused
    restored = article.replace(meta={**article.meta, "news_looked_up": ("other", article.url)})
    redirected = page.replace(url=article.url)
    for request in (restored, Request(article.url), redirected):
        with pytest.raises(Dropped):
            skip_stored.process_request(request)
    assert crawler.stats.get_value("news/incremental/checked") == 4
