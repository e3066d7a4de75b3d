"""Request-level drops: one log line and one ``drop/<reason>`` counter for each.

``DropLogMiddleware`` sits outermost in the downloader chain, so it sees the exception a
request ends with once retries are over, names the reason, counts it and logs it.
Components that refuse a request raise ``Dropped(reason, detail)`` (from
``crawler.net.policy``); those that refuse it while processing a response, where no
downloader middleware sees the exception, call ``record_refusal`` first, which also sends
``response_refused`` (the frontier records the page as done). A request
given up at a stop (``drop/stopped``, never sent) is marked with ``GIVEN_UP_META``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotSupported,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet import error as txerror
from twisted.web.client import ResponseFailed

from crawler.net.downloader import GIVEN_UP_META, given_up
from crawler.net.policy import FETCHED_SCHEMES, Dropped

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: Meta key set on requests the crawler makes for itself (robots.txt): never counted.
INTERNAL_META = "crawler_internal"
#: Signal (``request``, ``exception``): a downloaded response was refused by an
#: ``IgnoreRequest`` from ``process_response``, which no ``process_exception`` sees.
response_refused = object()

_BY_TYPE: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((CannotResolveHostError, txerror.DNSLookupError), "dns_error"),
    ((DownloadConnectionRefusedError, txerror.ConnectionRefusedError), "connection_refused"),
    ((DownloadTimeoutError, txerror.TimeoutError), "timeout"),
    ((ResponseDataLossError,), "truncated"),
    # Scrapy cancels a download for one reason while the crawl runs: DOWNLOAD_MAXSIZE.
    ((DownloadCancelledError,), "too_large"),
    ((DownloadFailedError, ResponseFailed, txerror.ConnectionLost), "connection_lost"),
    ((UnsupportedURLSchemeError, NotSupported), "blocked_scheme"),
)
_IGNORED_BY_MESSAGE = (
    ("Forbidden by robots.txt", "robots_forbidden"),
    ("max redirections reached", "redirect_limit"),
    ("redirect loop", "redirect_loop"),
    ("during decompression", "decompression_bomb"),
    ("offsite", "offsite"),
)


def drop_reason(exception: BaseException) -> str:
    """The ``drop/<reason>`` name of the exception a request ended with."""
    if isinstance(exception, Dropped):
        return exception.reason
    for types, reason in _BY_TYPE:
        if isinstance(exception, types):
            return reason
    if isinstance(exception, IgnoreRequest):
        message = str(exception)
        for needle, reason in _IGNORED_BY_MESSAGE:
            if needle.lower() in message.lower():
                return reason
        return "ignored"
    return "download_error"


def record_drop(stats: StatsCollector, reason: str, url: str, detail: str = "") -> None:
    """Count ``drop/<reason>`` and log one line saying which URL and why."""
    stats.inc_value(f"drop/{reason}")
    logger.info("Dropped %s: %s%s", url[:300], reason, f" ({detail[:300]})" if detail else "")


def record_refusal(crawler: Crawler, request: Request, exception: IgnoreRequest) -> None:
    """A middleware refuses a downloaded response (raises ``exception`` from
    ``process_response``): count and log the drop, and send `response_refused`."""
    assert crawler.stats is not None
    record_drop(crawler.stats, drop_reason(exception), request.url, str(exception))
    crawler.signals.send_catch_log(response_refused, request=request, exception=exception)


def _handled_statuses(request: Request, spider: Any) -> tuple[bool, list[int]]:
    if request.meta.get("handle_httpstatus_all"):
        return True, []
    listed = request.meta.get("handle_httpstatus_list")
    if listed is None:
        listed = getattr(spider, "handle_httpstatus_list", [])
    return False, list(listed)


class DropLogMiddleware:
    """Downloader middleware (outermost): counts and logs every request that ends in an
    exception (but a database fault), an unhandled error status (``drop/http_<status>``)
    or a redirect that is not followed (``drop/blocked_scheme`` for ``file:`` and friends,
    else ``drop/http_3xx``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if given_up(exception):
            request.meta[GIVEN_UP_META] = True
        # A database fault (a middleware's query) drops nothing: the frontier fetches the
        # page again, or else the spider's errback reports the failure.
        if request.meta.get(INTERNAL_META) or isinstance(exception, SQLAlchemyError):
            return
        record_drop(self.crawler.stats, drop_reason(exception), request.url, str(exception))

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status < 300 or request.meta.get(INTERNAL_META):
            return response
        handles_all, handled = _handled_statuses(request, self.crawler.spider)
        if handles_all or response.status in handled:
            return response
        location = response.headers.get(b"Location", b"") or b""
        if response.status < 400 and location:
            scheme = urlsplit(location.decode("latin-1")).scheme.lower()
            if scheme and scheme not in FETCHED_SCHEMES:
                record_drop(
                    self.crawler.stats, "blocked_scheme", request.url, "redirect to " + scheme
                )
                return response
        record_drop(self.crawler.stats, f"http_{response.status}", request.url)
        return response
