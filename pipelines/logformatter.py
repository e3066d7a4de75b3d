"""Log lines for scraped, dropped and failed items that name the page, not the whole article."""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure

from crawler.items import ArticleItem


def describe(item: Any) -> str:
    """A short description of an item: an article's URL, else a truncated repr."""
    if isinstance(item, ArticleItem):
        return item.article.url
    text = repr(item)
    return text if len(text) <= 200 else text[:200] + "..."


class ArticleLogFormatter(LogFormatter):
    """Scrapy's log formatter, with items shown by URL (a body can be megabytes)."""

    def scraped(
        self, item: Any, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult:
        result = super().scraped(item, response, spider)
        args = dict(result["args"]) if isinstance(result["args"], dict) else {}
        return {**result, "args": {**args, "item": describe(item)}}

    def dropped(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        return {
            **result,
            "msg": "Dropped (%(exception)s): %(item)s",
            "args": {"exception": exception, "item": describe(item)},
        }

    def item_error(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        result = super().item_error(item, exception, response, spider)
        return {**result, "args": {"item": describe(item)}}
