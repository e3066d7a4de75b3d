"""The middlewares that report a crawl's requests to its `crawler.frontier.FrontierRecorder`.

`FrontierSpiderMiddleware` sits outermost in the spider chain: it marks start requests as
seeds, queues after them what the scope's last crawl left pending, and sees each
callback's final outputs (after every other middleware filtered them), all at once, so
that the links a page yielded are recorded before the page is marked done. A database
fault while a page is processed (a middleware's query) loses what it yielded, so the
page is fetched again instead of the error going on (`FrontierRecorder.refetch`).
`FrontierDownloaderMiddleware` sits outermost in the downloader chain: it marks a request
in progress when it reaches the downloader, and sees the exception a request ends with
once retries are over (or the refusal of a policy middleware); after a database fault it
returns the request to fetch again. Both are off when the
recorder is (``CRAWLER_FRONTIER``, ``CRAWLER_REDIS_URL``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from crawler.frontier import FrontierRecorder, mark_refetched, refetched

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response


def recorder_of(crawler: Crawler) -> FrontierRecorder:
    """The crawl's recorder; `NotConfigured` when the database frontier is off."""
    recorder = crawler.get_extension(FrontierRecorder)
    if recorder is None:
        raise NotConfigured("the database frontier is off")
    return recorder


class FrontierSpiderMiddleware:
    """Spider middleware: seeds, requeued requests, and each callback's outputs recorded."""

    def __init__(self, crawler: Crawler, recorder: FrontierRecorder) -> None:
        self.crawler = crawler
        self.recorder = recorder

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, recorder_of(crawler))

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for output in start:
            if isinstance(output, Request):
                self.recorder.seed(output)
            yield output
        assert self.crawler.spider is not None
        for request in self.recorder.requeued_requests(self.crawler.spider):
            yield request

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        outputs: list[Any] = []
        try:
            async for output in result:
                outputs.append(output)
        except Exception as exc:
            self._finished(response, outputs, exc)
            raise
        if not refetched(response):
            for output in self._finished(response, outputs):
                yield output

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        outputs: list[Any] = []
        try:
            outputs.extend(result)
        except Exception as exc:
            self._finished(response, outputs, exc)
            raise
        return [] if refetched(response) else self._finished(response, outputs)

    def process_spider_exception(
        self, response: Response, exception: Exception
    ) -> list[Any] | None:
        """A database fault is handled here, where it arrives first: the page is fetched
        again (or the spider closes), and what it yielded before the fault is dropped."""
        again = self._finished(response, [], exception)
        if not isinstance(exception, SQLAlchemyError):
            return None
        mark_refetched(response)
        return again

    def _finished(
        self, response: Response, outputs: list[Any], error: Exception | None = None
    ) -> list[Any]:
        assert self.crawler.spider is not None
        return self.recorder.page_finished(response, outputs, self.crawler.spider, error)


class FrontierDownloaderMiddleware:
    """Downloader middleware: URLs in progress (waiting for room first, see
    `FrontierRecorder.admit`), and the failures requests end with."""

    def __init__(self, recorder: FrontierRecorder) -> None:
        self.recorder = recorder

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(recorder_of(crawler))

    async def process_request(self, request: Request) -> None:
        self.recorder.fetching(request)
        await self.recorder.admit(request)

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        return self.recorder.fetch_failed(request, exception)
