"""The ``urls`` spider: an explicit list of article URLs, from arguments or a file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Request

from spiders.args import lines_of, str_list
from spiders.base import NewsSpider


class UrlsSpider(NewsSpider):
    """Extracts each URL of ``urls`` (comma- or space-separated) and of ``urls_file``
    (one per line, ``#`` comments). Nothing is followed."""

    name = "urls"

    def __init__(self, *args: Any, urls: Any = None, urls_file: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.urls = list(dict.fromkeys(str_list(urls) + lines_of(urls_file)))
        if not self.urls:
            raise ValueError("the urls spider needs urls or urls_file")
        for url in self.urls:
            if urlsplit(url).scheme not in ("http", "https"):
                raise ValueError(f"not an http(s) URL: {url}")

    @property
    def seed_urls(self) -> tuple[str, ...]:
        return tuple(self.urls)

    async def start(self) -> AsyncIterator[Request]:
        for url in self.urls:
            request = self.page_request(url, self.parse_article)
            if request is not None:
                yield request
