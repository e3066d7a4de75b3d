"""A bound per host on the pages fetched or being fetched whose callback has not yet run.

A crawl killed loses every page fetched but not processed: the rerun fetches it again.
Scrapy bounds that backlog in bytes only (5 MB: some 1,500 small pages), so downloads can
run far ahead of extraction. `HostAdmission` bounds it in pages
(``CRAWLER_FRONTIER_MAX_UNPROCESSED``, used by ``crawler.frontier``): a page waits before
its download while the limit is reached and is woken, first come first served, when a page
of its host leaves; a wait longer than `MAX_WAIT` seconds (a page whose end was never
reported) lets it go.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque

logger = logging.getLogger(__name__)

#: Seconds a page waits at most for room.
MAX_WAIT = 30.0


class HostAdmission:
    """Pages admitted per host, at most ``limit`` at once (0 = no bound)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._admitted: defaultdict[str, set[str]] = defaultdict(set)
        self._waiting: defaultdict[str, deque[asyncio.Future[None]]] = defaultdict(deque)

    async def enter(self, host: str, key: str) -> None:
        """Wait for room among ``host``'s pages, then admit ``key`` (a key already admitted,
        a retry or redirect of its page, goes on at once)."""
        if self.limit <= 0:
            return
        admitted = self._admitted[host]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_WAIT
        while key not in admitted and len(admitted) >= self.limit:
            left = deadline - loop.time()
            if left <= 0:
                logger.warning("frontier: %s waited %g s for room; fetching it", key, MAX_WAIT)
                break
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiting[host].append(waiter)
            try:
                await asyncio.wait_for(waiter, left)
            except TimeoutError:
                pass
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake(host)  # woken, then cancelled: the room goes to the next
                raise
            finally:
                if not waiter.done():
                    self._waiting[host].remove(waiter)
        admitted.add(key)

    def leave(self, host: str, key: str) -> None:
        """``key``'s page is processed (or its fetch ended): its host has room again, and
        the page waiting longest for it is woken."""
        self._admitted[host].discard(key)
        self._wake(host)

    def _wake(self, host: str) -> None:
        waiting = self._waiting.get(host)
        while waiting:
            waiter = waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                break
