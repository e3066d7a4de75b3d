"""The log formatter: items named by URL; per-page debug lines made only when they are logged."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from pipelines.logformatter import ArticleLogFormatter
from tests.storage.builders import body_text, make_item

URL = "https://www.example.com/news/1"


def formatter(**settings: Any) -> ArticleLogFormatter:
    return ArticleLogFormatter.from_crawler(get_crawler(settings_dict=settings))


def page() -> HtmlResponse:
    return HtmlResponse(URL, body=b"<html></html>", request=Request(URL))


@pytest.mark.parametrize(
    "settings",
    [{"LOG_LEVEL": "INFO"}, {"LOG_LEVEL": "warning"}, {"LOG_LEVEL": logging.ERROR}, {}],
)
def test_no_page_lines_are_made_above_debug(settings: dict[str, Any]) -> None:
    settings.setdefault("LOG_LEVEL", "INFO")
    quiet = formatter(**settings)
    response, spider = page(), Spider("news")
    assert quiet.crawled(response.request, response, spider) is None
    assert quiet.scraped(make_item(URL, body_text(1)), response, spider) is None


def test_page_lines_at_debug_name_the_item_by_its_url() -> None:
    loud = formatter(LOG_LEVEL="DEBUG")
    response, spider = page(), Spider("news")
    crawled = loud.crawled(response.request, response, spider)
    assert crawled is not None and crawled["level"] == logging.DEBUG
    scraped = loud.scraped(make_item(URL, body_text(1)), response, spider)
    assert scraped is not None and scraped["args"]["item"] == URL


def test_no_page_lines_when_logging_is_off() -> None:
    off = formatter(LOG_LEVEL="DEBUG", LOG_ENABLED=False)
    response = page()
    assert off.crawled(response.request, response, Spider("news")) is None


def test_drops_are_logged_whatever_the_level() -> None:
    crawler = get_crawler(Spider, settings_dict={"LOG_LEVEL": "INFO"})
    crawler.spider = crawler._create_spider("news")
    quiet = ArticleLogFormatter.from_crawler(crawler)
    item = make_item(URL, body_text(1))
    dropped = quiet.dropped(item, ValueError("too_short"), page(), crawler.spider)
    assert dropped["level"] == logging.WARNING and dropped["args"]["item"] == URL
