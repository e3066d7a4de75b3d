"""The crawl's stats collector keeps Scrapy's semantics without its per-call wrapper."""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler import settings
from crawler.stats import CrawlStats


def test_crawls_use_the_project_stats_collector() -> None:
    assert settings.STATS_CLASS == "crawler.stats.CrawlStats"
    crawler = get_crawler(settings_dict={"STATS_CLASS": settings.STATS_CLASS})
    assert type(crawler.stats) is CrawlStats


def test_crawl_stats_record_what_scrapys_collector_records() -> None:
    ours, scrapys = CrawlStats(get_crawler()), MemoryStatsCollector(get_crawler())
    for stats in (ours, scrapys):
        stats.open_spider()
        stats.inc_value("news/items")
        stats.inc_value("news/items", 2)
        stats.max_value("peak", 5)
        stats.max_value("peak", 3)
        stats.min_value("low", 5)
        stats.min_value("low", 3)
        stats.set_value("reason", "x")
        stats.close_spider(reason="finished")
    assert (
        ours.get_stats()
        == scrapys.get_stats()
        == {
            "news/items": 3,
            "peak": 5,
            "low": 3,
            "reason": "x",
        }
    )
    assert ours.get_value("news/items") == 3 and ours.get_value("missing", 0) == 0
    assert ours.spider_stats == scrapys.spider_stats
