"""First pipeline: drop what is not a storable article (non-articles, no title, short body)."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.items import ArticleItem

#: Shortest body (characters, whitespace excluded at the ends) stored by default.
DEFAULT_MIN_BODY_CHARS = 200


class ValidatePipeline:
    """Drops items that are not articles or have no usable title or body.

    Settings: ``CRAWLER_MIN_BODY_CHARS`` (default 200), ``CRAWLER_MIN_TITLE_CHARS``
    (default 3). Each drop counts ``dropped/<reason>`` with reason ``not_article``,
    ``bad_url``, ``no_title`` or ``short_body``.
    """

    def __init__(self, stats: StatsCollector, min_body_chars: int, min_title_chars: int) -> None:
        self.stats = stats
        self.min_body_chars = min_body_chars
        self.min_title_chars = min_title_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        settings = crawler.settings
        return cls(
            crawler.stats,
            settings.getint("CRAWLER_MIN_BODY_CHARS", DEFAULT_MIN_BODY_CHARS),
            settings.getint("CRAWLER_MIN_TITLE_CHARS", 3),
        )

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        reason = self.problem(item)
        if reason is not None:
            self.stats.inc_value(f"dropped/{reason}")
            raise DropItem(reason, log_level="INFO")
        return item

    def problem(self, item: ArticleItem) -> str | None:
        """Why ``item`` cannot be stored, or None."""
        article = item.article
        if not article.is_article:
            return "not_article"
        if not article.url.lower().startswith(("http://", "https://")):
            return "bad_url"
        if len((article.title or "").strip()) < self.min_title_chars:
            return "no_title"
        if len(article.body.strip()) < self.min_body_chars:
            return "short_body"
        return None
