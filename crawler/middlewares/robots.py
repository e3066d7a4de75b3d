"""robots.txt as RFC 9309 says, replacing Scrapy's ``RobotsTxtMiddleware``.

- 2xx: the rules apply; the first ``CRAWLER_ROBOTS_MAX_BYTES`` (default 512 KiB, RFC 9309
  asks for at least 500 KiB) are parsed and the rest is not downloaded.
- 4xx other than 429, or too many redirects: the file is unavailable, every page is allowed.
- 5xx, 429, timeout or network error (after the usual retries): the host is unreachable and
  no page of it is fetched (``drop/robots_unavailable``) until a good answer; robots.txt is
  asked again when a page of that host comes up ``CRAWLER_ROBOTS_RETRY_INTERVAL`` seconds
  (default 60) after the last try.
- ``Crawl-delay`` is applied to the host's download slot, capped at
  ``CRAWLER_CRAWL_DELAY_MAX`` seconds (default 10), and AutoThrottle is told not to lower it.
- A robots.txt the address policy refuses refuses the host's pages with the same reason.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured, StopDownload
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred

from crawler.middlewares.drops import INTERNAL_META
from crawler.net.policy import FETCHED_SCHEMES, Dropped

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)

ROBOTS_META = "crawler_robots"
_BYTES_META = "crawler_robots_bytes"


@dataclass
class RobotsState:
    """What the crawler knows about one host's robots.txt."""

    parser: RobotParser | None
    refusal: str | None
    crawl_delay: float
    checked_at: float


class RobotsPolicyMiddleware:
    """Downloader middleware: obeys robots.txt per RFC 9309 (see the module docstring)."""

    def __init__(
        self,
        crawler: Crawler,
        *,
        max_bytes: int,
        retry_interval: float,
        max_crawl_delay: float,
        user_agent: str,
    ) -> None:
        self.crawler = crawler
        self.max_bytes = max_bytes
        self.retry_interval = retry_interval
        self.max_crawl_delay = max_crawl_delay
        self.user_agent = user_agent
        self._parser_class = load_object(crawler.settings["ROBOTSTXT_PARSER"])
        self._states: dict[str, RobotsState] = {}
        self._waiting: dict[str, list[Deferred[RobotsState]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        middleware = cls(
            crawler,
            max_bytes=settings.getint("CRAWLER_ROBOTS_MAX_BYTES", 512 * 1024),
            retry_interval=settings.getfloat("CRAWLER_ROBOTS_RETRY_INTERVAL", 60.0),
            max_crawl_delay=settings.getfloat("CRAWLER_CRAWL_DELAY_MAX", 10.0),
            user_agent=settings["ROBOTSTXT_USER_AGENT"] or settings["USER_AGENT"],
        )
        crawler.signals.connect(middleware._bytes_received, signal=signals.bytes_received)
        return middleware

    async def process_request(self, request: Request) -> None:
        if request.meta.get("dont_obey_robotstxt") or request.meta.get(INTERNAL_META):
            return
        parsed = urlparse_cached(request)
        if parsed.scheme not in FETCHED_SCHEMES:
            return
        state = await self._state(parsed.scheme, parsed.netloc)
        if state.refusal:
            raise Dropped(state.refusal, f"robots.txt of {parsed.netloc}")
        user_agent = request.headers.get(b"User-Agent") or self.user_agent
        if state.parser is not None and not state.parser.allowed(request.url, user_agent):
            raise Dropped("robots_forbidden", "Forbidden by robots.txt")
        if state.crawl_delay:
            request.meta["autothrottle_dont_adjust_delay"] = True

    async def _state(self, scheme: str, netloc: str) -> RobotsState:
        state = self._states.get(netloc)
        stale = state is not None and state.refusal == "robots_unavailable"
        if state is not None and not (stale and self._due(state)):
            return state
        if netloc in self._waiting:
            waiter: Deferred[RobotsState] = Deferred()
            self._waiting[netloc].append(waiter)
            return await maybe_deferred_to_future(waiter)
        self._waiting[netloc] = []
        try:
            state = await self._fetch(scheme, netloc)
        finally:
            waiters = self._waiting.pop(netloc)
        self._states[netloc] = state
        for waiter in waiters:
            waiter.callback(state)
        return state

    def _due(self, state: RobotsState) -> bool:
        return time.monotonic() - state.checked_at >= self.retry_interval

    async def _fetch(self, scheme: str, netloc: str) -> RobotsState:
        request = Request(
            f"{scheme}://{netloc}/robots.txt",
            priority=1000,
            callback=NO_CALLBACK,
            meta={
                "dont_obey_robotstxt": True,
                INTERNAL_META: True,
                ROBOTS_META: True,
                "download_maxsize": 0,
                "download_warnsize": 0,
            },
        )
        stats = self.crawler.stats
        assert self.crawler.engine is not None and stats is not None
        stats.inc_value("news/robots/fetch")
        try:
            response = await self.crawler.engine.download_async(request)
        except Dropped as exc:
            return RobotsState(None, exc.reason, 0.0, time.monotonic())
        except Exception as exc:  # every network failure means "unreachable"
            return self._unreachable(netloc, type(exc).__name__)
        return self._from_response(netloc, response)

    def _unreachable(self, netloc: str, why: str) -> RobotsState:
        self.crawler.stats.inc_value("news/robots/unreachable")
        logger.warning(
            "robots.txt of %s unreachable (%s): its pages wait for a good answer", netloc, why
        )
        return RobotsState(None, "robots_unavailable", 0.0, time.monotonic())

    def _from_response(self, netloc: str, response: Response) -> RobotsState:
        status = response.status
        if status >= 500 or status == 429:
            return self._unreachable(netloc, f"HTTP {status}")
        if status >= 300:
            self.crawler.stats.inc_value("news/robots/unavailable")
            return RobotsState(None, None, 0.0, time.monotonic())
        body = response.body
        if len(body) > self.max_bytes or "download_stopped" in response.flags:
            self.crawler.stats.inc_value("news/robots/truncated")
            body = body[: self.max_bytes].rsplit(b"\n", 1)[0]
        parser = build_from_crawler(self._parser_class, self.crawler, body)
        delay = min(parser.crawl_delay(self.user_agent) or 0.0, self.max_crawl_delay)
        if delay > 0:
            self._pace(response.meta.get("download_slot"), delay)
        self.crawler.stats.inc_value("news/robots/parsed")
        return RobotsState(parser, None, delay, time.monotonic())

    def _pace(self, slot_key: str | None, delay: float) -> None:
        """Hold the host's download slot to at least ``delay`` seconds between requests."""
        if slot_key is None:
            return
        downloader = self.crawler.engine.downloader
        downloader.per_slot_settings.setdefault(slot_key, {}).update(delay=delay, jitter=0.0)
        slot = downloader.slots.get(slot_key)
        if slot is not None:
            slot.delay = delay
            slot.jitter = 0.0
        self.crawler.stats.inc_value("news/robots/crawl_delay")

    def _bytes_received(self, data: bytes, request: Request, spider: Any) -> None:
        """Stop reading a robots.txt once it is longer than the parsed prefix."""
        if not request.meta.get(ROBOTS_META):
            return
        received = request.meta.get(_BYTES_META, 0) + len(data)
        request.meta[_BYTES_META] = received
        if received > self.max_bytes:
            raise StopDownload(fail=False)
