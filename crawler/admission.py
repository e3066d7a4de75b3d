"""A bound per host on the pages fetched or being fetched whose callback has not yet run.

A crawl killed loses every page fetched but not processed: the rerun fetches it again.
Scrapy bounds that backlog in bytes only (5 MB: some 1,500 small pages), so downloads can
run far ahead of extraction. `HostAdmission` bounds it in pages
(``CRAWLER_FRONTIER_MAX_UNPROCESSED``, used by ``crawler.frontier``): a page waits before
its download while the limit is reached; a wait longer than `MAX_WAIT` seconds (a page
whose end was never reported) lets it go.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

logger = logging.getLogger(__name__)

#: Seconds a page waits at most for room, and between looks.
MAX_WAIT = 30.0
_POLL = 0.02


class HostAdmission:
    """Pages admitted per host, at most ``limit`` at once (0 = no bound)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._admitted: defaultdict[str, set[str]] = defaultdict(set)

    async def enter(self, host: str, key: str) -> None:
        """Wait for room among ``host``'s pages, then admit ``key`` (a key already admitted,
        a retry or redirect of its page, goes on at once)."""
        if self.limit <= 0:
            return
        admitted = self._admitted[host]
        waited = 0.0
        while key not in admitted and len(admitted) >= self.limit:
            if waited >= MAX_WAIT:
                logger.warning("frontier: %s waited %g s for room; fetching it", key, waited)
                break
            await asyncio.sleep(_POLL)
            waited += _POLL
        admitted.add(key)

    def leave(self, host: str, key: str) -> None:
        """``key``'s page is processed (or its fetch ended): its host has room again."""
        self._admitted[host].discard(key)
