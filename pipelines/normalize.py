"""Second pipeline: canonical URL, clean title and authors, aware dates, NFC text, tidy spaces."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import ArticleItem
from crawler.normalize import choose_canonical, normalize_article


class NormalizePipeline:
    """Normalizes each `ArticleItem` and sets its ``canonical_url``.

    Stats: ``news/normalize/<reason>`` when a page's ``rel=canonical`` is not used
    (``canonical_offsite``, ``canonical_front_page``, ``canonical_not_http``).
    Dates stay in the offset the page gave; storage keeps them in UTC plus that offset.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        canonical, rejected = choose_canonical(item.article.url, item.article.canonical_url)
        if rejected is not None:
            self.stats.inc_value(f"news/normalize/{rejected}")
        return replace(item, article=normalize_article(item.article), canonical_url=canonical)
