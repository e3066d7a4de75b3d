"""A circuit breaker per host: after repeated failures or slow answers, stop asking it for a while.

``CircuitBreakerMiddleware`` counts consecutive failed attempts per host and port (network
errors, timeouts, 5xx and 429 answers; every retry counts). At
``CRAWLER_BREAKER_FAILURES`` (default 5) the circuit opens: the host's requests are dropped
on sight (``drop/circuit_open``) for ``CRAWLER_BREAKER_COOLDOWN`` seconds (default 60).
A host that answers, but each time slower than ``CRAWLER_BREAKER_SLOW_SECONDS`` (default
half of ``DOWNLOAD_TIMEOUT``; the whole download, body included), is struggling or a
tarpit: after ``CRAWLER_BREAKER_SLOW_RESPONSES`` (default 5, 0 = off) such answers in a
row its circuit opens the same way (``drop/slow_host``); the slow answers are kept.
Then one request is let through; a prompt answer closes the circuit, a failure or another
slow answer opens it again. It sits just inside the retry middleware, so it sees every
attempt; when the circuit opens, the host's requests already queued in the downloader are
dropped too.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached
from sqlalchemy.exc import SQLAlchemyError
from twisted.python.failure import Failure

from crawler.net.handler import DOWNLOAD_SECONDS
from crawler.net.policy import Dropped

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


@dataclass
class Circuit:
    """One host's failure and slow-answer streaks and, when open, why and until when."""

    failures: int = 0
    slow: int = 0
    open_until: float = 0.0
    probing: bool = False
    reason: str = "circuit_open"
    detail: str = ""


class CircuitBreakerMiddleware:
    """Downloader middleware: drops a failing or too slow host's requests for a cooldown."""

    def __init__(
        self,
        crawler: Crawler,
        threshold: int,
        cooldown: float,
        slow_seconds: float = 10.0,
        slow_threshold: int = 0,
    ) -> None:
        self.crawler = crawler
        self.threshold = threshold
        self.cooldown = cooldown
        self.slow_seconds = slow_seconds
        self.slow_threshold = slow_threshold
        self._circuits: dict[str, Circuit] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        threshold = settings.getint("CRAWLER_BREAKER_FAILURES", 5)
        slow_threshold = settings.getint("CRAWLER_BREAKER_SLOW_RESPONSES", 5)
        if threshold <= 0 and slow_threshold <= 0:
            raise NotConfigured
        slow_seconds = float(
            settings.get("CRAWLER_BREAKER_SLOW_SECONDS")
            or settings.getfloat("DOWNLOAD_TIMEOUT", 20) / 2
        )
        cooldown = settings.getfloat("CRAWLER_BREAKER_COOLDOWN", 60)
        return cls(crawler, threshold, cooldown, slow_seconds, slow_threshold)

    def process_request(self, request: Request) -> None:
        circuit = self._circuits.get(urlparse_cached(request).netloc)
        if circuit is None or not circuit.open_until:
            return
        if time.monotonic() < circuit.open_until or circuit.probing:
            raise Dropped(circuit.reason, circuit.detail)
        circuit.probing = True

    def process_response(self, request: Request, response: Response) -> Response:
        netloc = urlparse_cached(request).netloc
        if response.status >= 500 or response.status == 429:
            self._failed(netloc)
        elif self.slow_threshold > 0 and self._seconds(request) > self.slow_seconds:
            self._slow(netloc)
        else:
            self._circuits.pop(netloc, None)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        # A database fault (a middleware's query) says nothing about the host, nor does a
        # refusal (``IgnoreRequest``), including a request given up at a stop, never sent.
        if not isinstance(exception, IgnoreRequest | SQLAlchemyError):
            self._failed(urlparse_cached(request).netloc)

    @staticmethod
    def _seconds(request: Request) -> float:
        """How long the download took: the whole of it when the handler timed it."""
        return float(request.meta.get(DOWNLOAD_SECONDS, request.meta.get("download_latency", 0)))

    def _failed(self, netloc: str) -> None:
        circuit = self._circuits.setdefault(netloc, Circuit())
        circuit.failures += 1
        if circuit.probing or 0 < self.threshold <= circuit.failures:
            self._open(netloc, circuit, "circuit_open", f"{circuit.failures} failures in a row")

    def _slow(self, netloc: str) -> None:
        circuit = self._circuits.setdefault(netloc, Circuit())
        circuit.failures, circuit.slow = 0, circuit.slow + 1
        if circuit.probing or circuit.slow >= self.slow_threshold:
            detail = f"{circuit.slow} answers in a row slower than {self.slow_seconds:g} s"
            self._open(netloc, circuit, "slow_host", detail)

    def _open(self, netloc: str, circuit: Circuit, reason: str, detail: str) -> None:
        if not circuit.open_until or circuit.probing:
            self.crawler.stats.inc_value("news/breaker/opened")
            if reason == "slow_host":
                self.crawler.stats.inc_value("news/breaker/slow_host")
            logger.warning(
                "Circuit open for %s after %s: its requests are dropped for %.0f s",
                netloc,
                detail,
                self.cooldown,
            )
        circuit.open_until = time.monotonic() + self.cooldown
        circuit.probing = False
        circuit.reason, circuit.detail = reason, detail
        self._drop_queued(netloc, circuit)

    def _drop_queued(self, netloc: str, circuit: Circuit) -> None:
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
                deferred.errback(Failure(Dropped(circuit.reason, circuit.detail)))
