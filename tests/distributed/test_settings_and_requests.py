"""The add-on switches a crawl to the Redis frontier only when asked; the spiders' requests
survive scrapy-redis's serialization through Redis."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis import Redis
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler
from scrapy_redis.queue import PriorityQueue

import crawler.settings as project
from crawler.distributed.frontier import RedisFrontier
from crawler.distributed.keys import FrontierKeys
from spiders.feed import FeedSpider
from spiders.site import SiteSpider
from spiders.sitemap import SitemapSpider
from spiders.urls import UrlsSpider

#: The project's settings, but its extensions (they expect a crawl with a spider; these
#: tests build crawlers without one).
PROJECT = {name: getattr(project, name) for name in dir(project) if name.isupper()}
PROJECT["EXTENSIONS"] = {}


def settings_of(**overrides: Any) -> Any:
    return get_crawler(SiteSpider, {**PROJECT, **overrides}).settings


def test_without_a_redis_url_scheduling_stays_scrapys_own() -> None:
    settings = settings_of(CRAWLER_REDIS_URL="")
    assert settings["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    assert settings["DUPEFILTER_CLASS"] == "scrapy.dupefilters.RFPDupeFilter"


def test_a_redis_url_switches_scheduler_and_dupe_filter_to_the_shared_frontier() -> None:
    settings = settings_of(CRAWLER_REDIS_URL="redis://127.0.0.1:6379/3")
    assert settings["SCHEDULER"] == "crawler.distributed.scheduler.RedisFrontierScheduler"
    assert settings["DUPEFILTER_CLASS"] == "crawler.distributed.scheduler.SeenFilter"
    assert settings["REDIS_URL"] == "redis://127.0.0.1:6379/3"
    assert settings.getbool("SCHEDULER_PERSIST")


def test_a_scheduler_set_in_the_project_wins_over_the_add_on() -> None:
    settings = settings_of(CRAWLER_REDIS_URL="redis://x", SCHEDULER="my.Scheduler")
    assert settings["SCHEDULER"] == "my.Scheduler"


def test_a_bad_namespace_fails_before_the_crawl() -> None:
    with pytest.raises(ValueError, match="CRAWLER_REDIS_NAMESPACE"):
        settings_of(CRAWLER_REDIS_URL="redis://x", CRAWLER_REDIS_NAMESPACE="a:b")


SPIDERS = [
    (SiteSpider, {"start_urls": "https://news.example/ https://news.example/world/"}),
    (FeedSpider, {"feeds": "https://news.example/feed/"}),
    (SitemapSpider, {"sitemaps": "https://news.example/robots.txt https://news.example/s.xml"}),
    (UrlsSpider, {"urls": "https://news.example/2024/05/a-story"}),
]


@pytest.mark.redis
@pytest.mark.parametrize(("spidercls", "kwargs"), SPIDERS, ids=lambda v: getattr(v, "name", ""))
def test_start_requests_come_back_from_redis_unchanged(
    spidercls: type[Spider], kwargs: dict[str, str], redis_client: Redis, namespace: str
) -> None:
    crawler = get_crawler(spidercls, PROJECT)
    spider = spidercls.from_crawler(crawler, **kwargs)
    requests = asyncio.run(_start_requests(spider))
    assert requests
    queue = PriorityQueue(server=redis_client, spider=spider, key="unused")
    frontier = RedisFrontier(redis_client, FrontierKeys(namespace, "src", spider.name), "w", 60, 6)
    for request in requests:
        assert frontier.push(queue._encode_request(request), -request.priority, None)
    back = []
    while (member := frontier.take()) is not None:
        back.append(queue._decode_request(member))
    assert sorted(map(_shape, back)) == sorted(map(_shape, requests))


async def _start_requests(spider: Spider) -> list[Request]:
    return [r async for r in spider.start() if isinstance(r, Request)]


def _shape(request: Request) -> tuple[Any, ...]:
    return (
        request.url,
        request.callback.__name__ if request.callback else None,
        request.errback.__name__ if request.errback else None,
        sorted(request.meta.items()),
        request.priority,
        request.dont_filter,
    )
