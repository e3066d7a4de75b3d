"""Log lines for scraped, dropped and failed items that name the page, not the whole article;
no per-page debug lines made when the log level would drop them."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import Request, Spider
from scrapy.crawler import Crawler
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
    """Scrapy's log formatter, with items shown by URL (a body can be megabytes).

    The ``Crawled`` and ``Scraped from`` lines of every page are debug lines: below
    ``LOG_LEVEL`` (or with ``LOG_ENABLED`` off) they are not made at all (Scrapy's root logger
    passes every level to its handler, which then drops them).
    """

    def __init__(self, page_lines: bool = True) -> None:
        super().__init__()
        self.page_lines = page_lines

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        level = settings.get("LOG_LEVEL")
        numeric = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
        debug = not isinstance(numeric, int) or numeric <= logging.DEBUG
        return cls(page_lines=settings.getbool("LOG_ENABLED") and debug)

    def crawled(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider
    ) -> LogFormatterResult | None:
        return super().crawled(request, response, spider) if self.page_lines else None

    def scraped(  # type: ignore[override]
        self, item: Any, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult | None:
        if not self.page_lines:
            return None
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
