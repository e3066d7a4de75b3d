"""A probe spider for the hostile-web tests: fetches its start URLs and follows every link.

Run with ``scrapy runspider`` under the project settings. It yields one item per response
(``url``, ``status``, ``length``, ``flags``) and one per failed request (``url``, ``error``),
follows ``a/@href``, XML ``<loc>`` and feed ``<link>`` when ``follow=1``, and writes the
crawl's stats as JSON to ``stats_path`` when it closes. With ``leak=SETTING`` a page whose
URL ends in ``/leak`` raises an exception whose message holds that setting's value.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

LINKS = (
    "//a/@href | //*[local-name()='loc']/text() | //*[local-name()='link']/text()"
    " | //*[local-name()='link']/@href"
)


class ProbeSpider(scrapy.Spider):
    name = "probe"

    def __init__(
        self,
        urls: str = "",
        follow: str = "1",
        stats_path: str = "",
        leak: str = "",
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.urls = [url for url in urls.split(" ") if url]
        self.follow = follow == "1"
        self.stats_path = stats_path
        self.leak = leak

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.failed)

    def parse(self, response: Response) -> Iterator[dict[str, Any] | scrapy.Request]:
        if self.leak and response.url.endswith("/leak"):
            # Code that puts a setting in an exception message: its traceback is logged.
            raise RuntimeError(f"cannot store into {self.settings[self.leak]}")
        yield {
            "url": response.url,
            "status": response.status,
            "length": len(response.body),
            "flags": response.flags,
        }
        if not (self.follow and isinstance(response, TextResponse)):
            return
        try:
            hrefs = response.xpath(LINKS).getall()
        except ValueError:
            return
        for href in hrefs:
            try:
                yield response.follow(href.strip(), callback=self.parse, errback=self.failed)
            except ValueError:
                continue

    def failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        request = getattr(failure, "request", None)
        yield {"url": request.url if request else "", "error": type(failure.value).__name__}

    def closed(self, reason: str) -> None:
        if self.stats_path:
            stats = {
                k: str(v) if not isinstance(v, int | float) else v
                for k, v in self.crawler.stats.get_stats().items()
            }
            stats["finish_reason"] = reason
            with open(self.stats_path, "w", encoding="utf-8") as out:
                json.dump(stats, out)
