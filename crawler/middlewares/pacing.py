"""Retries that wait: ``Retry-After`` honoured up to a cap, exponential backoff otherwise.

``BackoffRetryMiddleware`` replaces Scrapy's ``RetryMiddleware``. When a retryable status
comes back, the whole host is paused before the retry goes out: for the ``Retry-After``
the server sent (delta-seconds or an HTTP date), capped at ``CRAWLER_RETRY_AFTER_MAX``
seconds (default 120), or else for ``CRAWLER_RETRY_BACKOFF_BASE`` * 2^attempt seconds
(default 1 s base), under the same cap. The pause holds the host's download slot, so
requests to other hosts go on meanwhile and the host sees no request before it asked.
"""

from __future__ import annotations

import email.utils
import time
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (never negative); None if unreadable.

    >>> retry_after_seconds(b"120")
    120.0
    >>> retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0)
    10.0
    """
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def pause_slot(crawler: Crawler, slot_key: str | None, seconds: float) -> None:
    """Send nothing more through the download slot ``slot_key`` for ``seconds``.

    The downloader releases a slot's next request ``delay`` seconds after ``lastseen``;
    moving ``lastseen`` into the future holds the queue (a zero delay would skip that check,
    so it becomes a millisecond)."""
    assert crawler.engine is not None
    slot = crawler.engine.downloader.slots.get(slot_key or "")
    if slot is None or seconds <= 0:
        return
    slot.delay = max(slot.delay, 0.001)
    slot.lastseen = max(slot.lastseen, time.monotonic() + seconds)


class BackoffRetryMiddleware(RetryMiddleware):
    """``RetryMiddleware`` whose HTTP retries wait for the host (see the module docstring)."""

    max_wait: float
    backoff_base: float

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = super().from_crawler(crawler)
        middleware.max_wait = crawler.settings.getfloat("CRAWLER_RETRY_AFTER_MAX", 120.0)
        middleware.backoff_base = crawler.settings.getfloat("CRAWLER_RETRY_BACKOFF_BASE", 1.0)
        return middleware

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        if result is response:
            return response
        stats = self.crawler.stats
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None:
            stats.inc_value("news/retry/retry_after")
            if asked > self.max_wait:
                stats.inc_value("news/retry/retry_after_capped")
            wait = min(asked, self.max_wait)
        else:
            wait = min(self.backoff_base * 2 ** request.meta.get("retry_times", 0), self.max_wait)
        pause_slot(self.crawler, request.meta.get("download_slot"), wait)
        return result
