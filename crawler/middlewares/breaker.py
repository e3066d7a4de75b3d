"""A circuit breaker per host: after repeated failures, stop asking it for a while.

``CircuitBreakerMiddleware`` counts consecutive failed attempts per host and port (network
errors, timeouts, 5xx and 429 answers; every retry counts). At
``CRAWLER_BREAKER_FAILURES`` (default 5) the circuit opens: the host's requests are dropped
on sight (``drop/circuit_open``) for ``CRAWLER_BREAKER_COOLDOWN`` seconds (default 60).
Then one request is let through; an answer closes the circuit, a failure opens it again.
It sits just inside the retry middleware, so it sees every attempt; when the circuit opens,
the host's requests already queued in the downloader are dropped too.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached
from twisted.python.failure import Failure

from crawler.net.policy import Dropped

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


@dataclass
class Circuit:
    """One host's failure streak and, when open, the time it may be tried again."""

    failures: int = 0
    open_until: float = 0.0
    probing: bool = False


class CircuitBreakerMiddleware:
    """Downloader middleware: drops a failing host's requests for a cooldown."""

    def __init__(self, crawler: Crawler, threshold: int, cooldown: float) -> None:
        self.crawler = crawler
        self.threshold = threshold
        self.cooldown = cooldown
        self._circuits: dict[str, Circuit] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        threshold = crawler.settings.getint("CRAWLER_BREAKER_FAILURES", 5)
        if threshold <= 0:
            raise NotConfigured
        return cls(crawler, threshold, crawler.settings.getfloat("CRAWLER_BREAKER_COOLDOWN", 60))

    def process_request(self, request: Request) -> None:
        circuit = self._circuits.get(urlparse_cached(request).netloc)
        if circuit is None or not circuit.open_until:
            return
        if time.monotonic() < circuit.open_until or circuit.probing:
            raise Dropped("circuit_open", f"{circuit.failures} failures in a row")
        circuit.probing = True

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status >= 500 or response.status == 429:
            self._failed(request)
        else:
            self._circuits.pop(urlparse_cached(request).netloc, None)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, IgnoreRequest):
            self._failed(request)

    def _failed(self, request: Request) -> None:
        netloc = urlparse_cached(request).netloc
        circuit = self._circuits.setdefault(netloc, Circuit())
        circuit.failures += 1
        if circuit.failures >= self.threshold or circuit.probing:
            if not circuit.open_until or circuit.probing:
                self.crawler.stats.inc_value("news/breaker/opened")
                logger.warning(
                    "Circuit open for %s after %d failures: its requests are dropped for %.0f s",
                    netloc,
                    circuit.failures,
                    self.cooldown,
                )
            circuit.open_until = time.monotonic() + self.cooldown
            circuit.probing = False
            self._drop_queued(netloc, circuit.failures)

    def _drop_queued(self, netloc: str, failures: int) -> None:
        """Fail the host's requests already waiting in a download slot: they passed
        ``process_request`` before the circuit opened."""
        assert self.crawler.engine is not None
        for slot in self.crawler.engine.downloader.slots.values():
            queued = [(r, d) for r, d in slot.queue if urlparse_cached(r).netloc == netloc]
            if not queued:
                continue
            kept = [(r, d) for r, d in slot.queue if urlparse_cached(r).netloc != netloc]
            slot.queue.clear()
            slot.queue.extend(kept)
            for _, deferred in queued:
                deferred.errback(Failure(Dropped("circuit_open", f"{failures} failures in a row")))
